"""Pick one of a few named choices (the fixes on offer) from a short list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option


class ChooseScreen(ModalScreen[str | None]):
    """Returns the chosen option's id, or None on escape."""

    BINDINGS = [
        Binding(
            "escape",
            "dismiss(None)",
            "Back",
            id="choose.back",
            tooltip="Choose nothing and go back",
        ),
    ]

    def __init__(self, title: str, choices: list[tuple[str, str, str]]) -> None:
        """`choices`: (id, title, one-line description)."""
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-dialog"):
            yield Static(Text(self.title_text, style="bold"), id="choose-title")
            options = []
            for choice_id, title, description in self.choices:
                label = Text()
                label.append(title, style="bold")
                if description:
                    label.append(f"\n{description}", style="dim")
                options.append(Option(label, id=choice_id))
            yield OptionList(*options, id="choose-list")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
