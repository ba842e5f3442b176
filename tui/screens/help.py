"""Help (F1): what the screen you came from is for, and every key it answers to."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Markdown

GUIDE = """\
**Moving around.** Every list is one key away from any screen: **j** failed jobs,
**s** trainee search, **t** pending TRNs, **a** pending awards, **l** journal.
**enter** opens the row under the cursor, **escape** goes back, **ctrl+p** lists
every action by name.

**Fixing.** A fix always shows exactly what it will change first. Nothing is
written until you give an audit comment and answer **y**; **n** or **escape**
leaves everything as it was. Every attempt is kept in the journal.
"""


class HelpScreen(ModalScreen[None]):
    """The keys of the calling screen, with their ids for a keymap."""

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
        self._text = help_markdown(origin)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(self._text)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()


def help_markdown(origin: Screen[Any]) -> str:
    """The screen's purpose, its keys (label, key, id, what it does), the guide."""
    title = getattr(origin, "SCREEN_TITLE", "") or type(origin).__name__
    purpose = getattr(origin, "HELP", "")
    lines = [
        f"# Help: {title}",
        "",
        purpose,
        "",
        "| key | action | what it does |",
        "|---|---|---|",
    ]
    seen: set[str] = set()
    for _key, active in origin.active_bindings.items():
        binding = active.binding
        if not binding.id or binding.id in seen:
            continue
        seen.add(binding.id)
        shown = origin.app.get_key_display(binding)
        lines.append(
            f"| {shown} | {binding.description} | {binding.tooltip} `{binding.id}` |"
        )
    lines += ["", GUIDE]
    return "\n".join(lines)
