"""About: versions, where the configuration came from, services, writes on or off."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.about import AboutFacts, gather


class AboutScreen(ModalScreen[None]):
    BINDINGS = [
        Binding(
            "escape,f2,q",
            "dismiss",
            "Close",
            id="about.close",
            tooltip="Back to the screen you came from",
        ),
    ]

    def compose(self) -> ComposeResult:
        facts = gather(self.app.connections)  # type: ignore[attr-defined]
        with VerticalScroll(id="about-body"):
            yield Static(about_text(facts), id="about-text")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#about-body").focus()


def about_text(facts: AboutFacts) -> Text:
    text = Text()
    text.append("About register-triage\n", style="bold underline")
    text.append(f"{facts.writes}\n", style="bold")
    width = max(len(name) for name, *_ in facts.settings)

    text.append("\nServices\n", style="bold underline")
    for name, value in facts.services:
        text.append(f"{name:>{width}} ", style="bold")
        text.append(f"{value}\n")

    text.append(
        "\nConfiguration (value, and where it came from)\n", style="bold underline"
    )
    for name, value, source in facts.settings:
        text.append(f"{name:>{width}} ", style="bold")
        text.append(f"{value} ")
        text.append(f"({source})\n", style="dim")

    text.append("\nVersions\n", style="bold underline")
    for name, version in facts.versions:
        text.append(f"{name:>{width}} ", style="bold")
        text.append(f"{version}\n")
    return text
