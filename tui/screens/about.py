"""About: versions, where the configuration came from, services, writes on or off."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

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
            yield Markdown(about_markdown(facts))
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#about-body").focus()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def about_markdown(facts: AboutFacts) -> str:
    lines = [
        "# About register-triage",
        "",
        f"**{facts.writes}**",
        "",
        "## Services",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {name} | {_cell(value)} |" for name, value in facts.services]
    lines += ["", "## Configuration", "", "| setting | value | from |", "|---|---|---|"]
    lines += [f"| {n} | {_cell(v)} | {s} |" for n, v, s in facts.settings]
    lines += ["", "## Versions", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {version} |" for name, version in facts.versions]
    return "\n".join(lines)
