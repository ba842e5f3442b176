"""The few values a fix needs before it can be previewed (a date, a field, a route).

Each value has a label in plain words with its help below it (wrapped, never
cut); a value with a fixed set of answers (the route, which side is right,
yes or no) is chosen from a list, so it cannot be mistyped. When the preview
refuses a value, the form opens again with the values kept and the reason shown.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Select, Static

# Labels for the parameter names the fixes use; others are worded from the name.
LABELS = {
    "jid": "Job id (jid)",
    "right": "Which side has the right date",
    "dqt_date_of_birth": "DQT's date of birth",
    "route": "New training route",
    "field": "Field to change",
    "value": "New value",
    "clear": "Empty the field instead",
    "force": "Retry even so (forced)",
    "enqueue_update": "Send the change to DQT (update job)",
    "delete_award_job": "Delete the failed award job",
    "clear_outcome_date": "Clear the outcome date",
    "reason": "Reason",
}
YES_NO = [("yes", "yes"), ("no", "no")]


def label_for(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def choices_for(name: str, default: str) -> list[tuple[str, str]] | None:
    """(shown, value) pairs when the value is one of a fixed set, else None."""
    from services.register import enums

    if name == "route":
        return [
            (enums.route_label(route), route.name)
            for route in sorted(enums.DQT_ERA_ROUTES)
        ]
    if name == "right":
        return [("Register is right", "register"), ("DQT is right", "dqt")]
    if name == "field":
        from services.fixes.edit_field import EDITABLE_FIELDS

        return [(field.replace("_", " "), field) for field in EDITABLE_FIELDS]
    if default in ("yes", "no"):
        return YES_NO
    return None


class FixParamsScreen(ModalScreen[dict[str, str] | None]):
    """One field per parameter, with its default; ctrl+s (or enter on the last
    text field) previews."""

    BINDINGS = [
        Binding(
            "escape",
            "dismiss(None)",
            "Back",
            id="params.back",
            tooltip="Change nothing and go back",
        ),
        Binding(
            "ctrl+s",
            "submit",
            "Preview",
            id="params.preview",
            tooltip="Preview the fix with these values (nothing is written yet)",
        ),
        # Priority keys: the app handles them as it reads them, before it hands
        # on the keys typed after them, so those land in the field moved to.
        # Left to the field, the focus moved only once the field had taken the
        # keys queued to it meanwhile ("tab abc tab def" filled one field).
        Binding(
            "tab",
            "move(1)",
            "Next field",
            id="params.next",
            show=False,
            priority=True,
            tooltip="To the next field",
        ),
        Binding(
            "shift+tab",
            "move(-1)",
            "Previous field",
            id="params.previous",
            show=False,
            priority=True,
            tooltip="To the previous field",
        ),
        Binding(
            "enter",
            "enter_text",
            "Next field or preview",
            id="params.enter",
            show=False,
            priority=True,
            tooltip="In a text field: to the next field; in the last, preview",
        ),
    ]

    def __init__(
        self,
        title: str,
        params: list[tuple[str, str, str, bool]],
        *,
        error: str | None = None,
    ) -> None:
        """`params`: (name, help, value, required); `error`: why the last values
        were refused."""
        super().__init__()
        self.title_text = title
        self.params = params
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="params-dialog"):
            yield Static(Text(self.title_text, style="bold"), id="params-title")
            if self.error:
                yield Static(
                    Text(f"Not accepted: {self.error}", style="bold red"),
                    id="params-error",
                )
            fields = VerticalScroll(id="params-fields")
            # Focus goes from field to field (the scroll follows it), never to
            # the scrolling box itself, where nothing would look focused.
            fields.can_focus = False
            with fields:
                for name, help_text, value, required in self.params:
                    mark = " (required)" if required else ""
                    yield Static(
                        Text(f"{label_for(name)}{mark}", style="bold"),
                        classes="param-label",
                    )
                    # "one of: …" repeats the list the field opens: left out.
                    if not (
                        choices_for(name, value) and help_text.startswith("one of")
                    ):
                        yield Static(Text(help_text), classes="param-help")
                    yield self._field(name, value, required)
            # One line at 80 columns.
            yield Static(
                "tab: next · enter: choose · ctrl+s: preview · esc: back",
                id="params-hint",
            )
        yield Footer(compact=True)

    @staticmethod
    def _field(name: str, value: str, required: bool) -> Input | Select[str]:
        choices = choices_for(name, value)
        if choices is None:
            field = Input(value=value, id=f"param-{name}")
            field.cursor_blink = False
            return field
        known = {choice for _shown, choice in choices}
        return Select(
            choices,
            value=value if value in known else Select.NULL,
            allow_blank=not required or value not in known,
            id=f"param-{name}",
            prompt="choose…",
            # One line, like the text fields: the form fits at 80x24.
            compact=True,
        )

    def on_mount(self) -> None:
        fields = list(self.query("Input, Select"))
        if fields:
            fields[0].focus()

    def _fields(self) -> list[Input | Select[str]]:
        return list(self.query("Input, Select").results((Input, Select)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only from a field itself: in an open list (a Select's answers) these
        # keys keep their meaning there.
        if action == "move":
            return self.focused in self._fields()
        if action == "enter_text":
            return isinstance(self.focused, Input)
        return True

    def action_move(self, step: int) -> None:
        fields = self._fields()
        if self.focused not in fields:
            return
        index = fields.index(self.focused)  # type: ignore[arg-type]
        # set_focus, not focus(): focus() waits for the next loop turn, by when
        # the app may have handed the next key to the field being left.
        self.set_focus(fields[(index + step) % len(fields)])

    def action_enter_text(self) -> None:
        """Enter in a text field: on to the next field, or the preview from the
        last one."""
        fields = self._fields()
        if self.focused is fields[-1]:
            self.action_submit()
        else:
            self.action_move(1)

    def values(self) -> dict[str, str]:
        found = {}
        for name, _help, _value, _required in self.params:
            field = self.query_one(f"#param-{name}")
            if isinstance(field, Select):
                chosen = field.value
                found[name] = "" if chosen is Select.NULL else str(chosen)
            else:
                found[name] = field.value.strip()  # type: ignore[attr-defined]
        return found

    def action_submit(self) -> None:
        self.dismiss(self.values())
