"""The few values a fix needs before it can be previewed (a date, a field, a route)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static


class FixParamsScreen(ModalScreen[dict[str, str] | None]):
    """One input per parameter, with its default; enter on the last previews."""

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
    ]

    def __init__(self, title: str, params: list[tuple[str, str, str, bool]]) -> None:
        """`params`: (name, help, default, required)."""
        super().__init__()
        self.title_text = title
        self.params = params

    def compose(self) -> ComposeResult:
        with Vertical(id="params-dialog"):
            yield Static(Text(self.title_text, style="bold"), id="params-title")
            with VerticalScroll(id="params-fields"):
                for name, help_text, default, required in self.params:
                    mark = " (required)" if required else ""
                    yield Label(f"{name}{mark}: {help_text}")
                    field = Input(value=default, id=f"param-{name}")
                    field.cursor_blink = False
                    yield field
            yield Static(
                "Enter on the last field or ctrl+s previews; escape goes back.",
                id="params-hint",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        inputs = list(self.query(Input))
        if inputs:
            inputs[0].focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        values = {}
        for name, _help, _default, _required in self.params:
            values[name] = self.query_one(f"#param-{name}", Input).value.strip()
        self.dismiss(values)
