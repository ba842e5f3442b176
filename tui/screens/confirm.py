"""The confirmation every write goes through.

It shows exactly what will change (database fields old → new, Sidekiq entries
removed, pushed or enqueued, in order, DQT calls), asks for the audit comment that
Register's audit trail and our journal keep, and starts with the safe answer
focused once the comment is typed: the comment box has focus when the dialog
opens, so every letter typed (y and n too) is text; enter then moves to "No".
Only the widget that has focus is drawn as focused: "No" being the default is
said in its label, not by drawing it highlighted.
Escape from anywhere, and outside the box `n` or enter on "No", change nothing;
ctrl+y from anywhere (outside the box `y` too) applies, only with a comment,
only when writes are on and nothing blocks the change (otherwise the footer
does not offer it). The hint under the box
names only the keys that answer where the focus is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static


@dataclass(frozen=True)
class ChangeSummary:
    """What a write will do, in the words the confirmation shows."""

    title: str
    # ("Register database", ["date_of_birth: 1990-05-02 → 1990-02-05"]), ...
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Why the change cannot be applied at all (the confirmation then only informs).
    blocked: str | None = None


# Returned instead of a comment when the operator asks to change the parameters.
EDIT_PARAMETERS = "\x00edit-parameters"


class CommentBox(Input):
    """The audit comment box. It answers ctrl+y and escape itself, as it reads
    the key: keys read together from the terminal are all queued to the box
    before it handles the first, and a binding on the screen would act on
    ctrl+y while letters typed before it were still waiting, applying a comment
    cut short."""

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen
        if event.key in ("ctrl+y", "escape") and isinstance(screen, ConfirmScreen):
            event.stop()
            event.prevent_default()
            if event.key == "ctrl+y":
                screen.action_confirm()
            else:
                screen.action_cancel()
            return
        await super()._on_key(event)


class ConfirmScreen(ModalScreen[str | None]):
    """Returns the audit comment when confirmed, None when cancelled, or
    `EDIT_PARAMETERS` when the fix's parameters are to be changed first."""

    BINDINGS = [
        # Not a priority key: in the comment box, the box answers ctrl+y itself
        # (see `CommentBox`); elsewhere the key reaches this binding.
        Binding(
            "ctrl+y",
            "confirm",
            "Yes, apply",
            id="confirm.yes",
            tooltip="Apply the change with the audit comment",
        ),
        # Letters are text while the comment box has focus; only outside it do
        # y and n answer (the box takes them first).
        Binding(
            "y",
            "confirm",
            "Yes (outside the box)",
            id="confirm.yes_letter",
            show=False,
            tooltip="Apply, when the focus is not in the comment box",
        ),
        # A priority key: the box would otherwise take ctrl+e as "end of line".
        Binding(
            "ctrl+e",
            "edit_parameters",
            "Parameters",
            id="confirm.parameters",
            priority=True,
            tooltip="Change the fix's parameters and preview again",
        ),
        Binding(
            "escape",
            "cancel",
            "No",
            id="confirm.no",
            tooltip="Change nothing and go back",
        ),
        Binding(
            "n",
            "cancel",
            "No (outside the box)",
            id="confirm.no_letter",
            show=False,
            tooltip="Change nothing, when the focus is not in the comment box",
        ),
        # The list of changes scrolls from the comment box too.
        Binding(
            "pageup",
            "scroll_changes(-1)",
            "Changes: page up",
            id="confirm.page_up",
            show=False,
            tooltip="Scroll the list of changes up",
        ),
        Binding(
            "pagedown",
            "scroll_changes(1)",
            "Changes: page down",
            id="confirm.page_down",
            show=False,
            tooltip="Scroll the list of changes down",
        ),
    ]

    def __init__(
        self, summary: ChangeSummary, *, writes_enabled: bool, editable: bool = False
    ) -> None:
        super().__init__()
        self.summary = summary
        self.writes_enabled = writes_enabled
        self.editable = editable
        # Why the last ctrl+y or y did nothing, shown in the hint until the
        # comment changes.
        self.problem: str | None = None

    @property
    def can_apply(self) -> bool:
        return self.writes_enabled and self.summary.blocked is None

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(Text(self.summary.title, style="bold"), id="confirm-title")
            with VerticalScroll(id="confirm-changes"):
                yield Static(self._changes_text())
            yield CommentBox(
                placeholder="Audit comment (required): why is this change made?",
                id="confirm-comment",
                disabled=not self.can_apply,
                # Focusing the box must not select what typing has just put there.
                select_on_focus=False,
            )
            yield Static(id="confirm-hint")
            with Horizontal(id="confirm-buttons"):
                yield Button("No, change nothing (default)", id="confirm-no")
                yield Button(
                    "Yes, apply",
                    id="confirm-yes",
                    variant="error",
                    disabled=not self.can_apply,
                )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        comment = self.query_one("#confirm-comment", Input)
        comment.cursor_blink = False
        # The comment box has focus from the first key, so a comment typed fast
        # never reaches the answers; with nothing to apply, the safe answer has it.
        if self.can_apply:
            comment.focus()
        else:
            self.query_one("#confirm-no", Button).focus()
        self._show_hint()

    def _changes_text(self) -> Text:
        # What stops or qualifies the change comes first: a long list of changes
        # scrolls, and these must not be below the fold.
        text = Text()
        if self.summary.blocked:
            text.append(
                f"Cannot be applied: {self.summary.blocked}\n", style="bold red"
            )
        for warning in self.summary.warnings:
            text.append(f"! {warning}\n", style="bold yellow")
        for heading, lines in self.summary.sections:
            text.append(f"{heading}\n", style="bold underline")
            for line in lines or ["nothing"]:
                text.append(f"  {line}\n")
        text.rstrip()
        return text

    def _hint(self) -> Text:
        if self.problem:
            return Text(self.problem, style="bold red")
        if not self.writes_enabled:
            return Text("Read-only: this is a preview. Press n or escape to go back.")
        if self.summary.blocked:
            return Text("Nothing can be applied. Press n or escape to go back.")
        edit = " · ctrl+e parameters" if self.editable else ""
        if self.query_one("#confirm-comment", Input).has_focus:
            # n would be typed into the comment: not offered here.
            return Text(f"Comment, then ctrl+y applies{edit} · escape: no")
        return Text(f"ctrl+y or y applies{edit} · n or escape: no")

    def _show_hint(self) -> None:
        self.query_one("#confirm-hint", Static).update(self._hint())

    def on_descendant_focus(self) -> None:
        self._show_hint()

    def on_input_changed(self) -> None:
        if self.problem:
            self.problem = None
            self._show_hint()

    # --- answers ---------------------------------------------------------------------

    def action_confirm(self) -> None:
        comment_input = self.query_one("#confirm-comment", Input)
        if not self.can_apply:
            self.problem = "This change cannot be applied here."
            self._show_hint()
            return
        comment = comment_input.value.strip()
        if not comment:
            self.problem = "An audit comment is required: why, then ctrl+y."
            self._show_hint()
            comment_input.focus()
            return
        self.dismiss(comment)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit_parameters":
            return self.editable
        if action == "confirm":
            # Read-only or refused: the footer offers only "No"; the hint says why.
            return self.can_apply
        return True

    def action_edit_parameters(self) -> None:
        self.dismiss(EDIT_PARAMETERS)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_scroll_changes(self, pages: int) -> None:
        changes = self.query_one("#confirm-changes", VerticalScroll)
        if pages < 0:
            changes.scroll_page_up(animate=False)
        else:
            changes.scroll_page_down(animate=False)

    def on_key(self, event: events.Key) -> None:
        """Typing starts the comment: no need to find the box first."""
        comment = self.query_one("#confirm-comment", Input)
        if comment.has_focus or not self.can_apply or not event.is_printable:
            return
        if event.character in ("y", "n", None):
            return
        event.stop()
        event.prevent_default()
        comment.focus()
        comment.insert_text_at_cursor(event.character)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter after the comment returns to the buttons, still on the safe answer.
        event.stop()
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm-yes":
            self.action_confirm()
        else:
            self.action_cancel()
