"""Help (F1): what the screen you came from is for, and every key it answers to."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

GUIDE = """\
[b]Moving around.[/b] Every list is one key away: [b]j[/b] failed jobs, [b]s[/b] \
trainee search, [b]t[/b] pending TRNs, [b]a[/b] pending awards, [b]l[/b] journal. \
In a text box (the search box, a filter) letters are typed instead: leave the box \
first with [b]tab[/b] (or [b]enter[/b]), then press the list's key. [b]enter[/b] \
opens the row under the cursor, [b]escape[/b] goes back, [b]tab[/b] moves between \
panes.

[b]Fixing.[/b] A fix always shows exactly what it will change first. Nothing is \
written until you give an audit comment and answer [b]y[/b]; [b]n[/b] or \
[b]escape[/b] leaves everything as it was. Every attempt is kept in the journal.
"""


class HelpScreen(ModalScreen[None]):
    """The keys of the calling screen, what each does, and the guide."""

    BINDINGS = [
        Binding(
            "escape,f1,q",
            "dismiss",
            "Close",
            id="help.close",
            tooltip="Back to the screen you came from",
        ),
    ]

    def __init__(self, origin: Screen[Any]) -> None:
        super().__init__()
        self._text = help_text(origin)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._text, id="help-text")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()


def help_text(origin: Screen[Any]) -> Text:
    """The screen's purpose, its keys (key, label, what it does), the guide."""
    title = getattr(origin, "SCREEN_TITLE", "") or type(origin).__name__
    text = Text()
    text.append(f"Help: {title}\n", style="bold underline")
    purpose = getattr(origin, "HELP", "")
    if purpose:
        text.append(f"{purpose}\n")
    text.append("\nKeys\n", style="bold underline")
    seen: set[str] = set()
    for _key, active in origin.active_bindings.items():
        binding = active.binding
        if not binding.id or binding.id in seen:
            continue
        seen.add(binding.id)
        shown = origin.app.get_key_display(binding)
        text.append(f"{shown:>6} ", style="bold")
        text.append(f"{binding.description}: ", style="bold")
        text.append(f"{binding.tooltip}\n")
    text.append(f"{'ctrl+p':>6} ", style="bold")
    text.append("Palette: ", style="bold")
    text.append("every action above, by name\n")
    text.append("\n")
    text.append_text(Text.from_markup(GUIDE))
    return text
