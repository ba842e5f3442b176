"""About: versions, where the configuration came from, services, writes on or off."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from services.register.servers import postgresql_version, redis_version
from tui.about import AboutFacts, gather
from tui.failures import explain
from tui.screens.base import from_worker

READING = "reading…"
# The reason is logged (it names hosts and ports, and varies by platform).
DOWN = "down: did not answer (the reason is in triage.log)"


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

    def __init__(self) -> None:
        super().__init__()
        # (server, version or why there is none), once read.
        self.servers: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        self.facts = gather(self.app.connections)  # type: ignore[attr-defined]
        with VerticalScroll(id="about-body"):
            yield Static(about_text(self.facts, self.servers), id="about-text")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#about-body").focus()
        self.read_servers()

    @work(thread=True, exclusive=True, group="about-servers")
    def read_servers(self) -> None:
        connections = self.app.connections  # type: ignore[attr-defined]
        servers = [
            (
                "PostgreSQL server",
                _asked(lambda: postgresql_version(connections.engine), "PostgreSQL"),
            ),
            ("Redis server", _asked(lambda: redis_version(connections.redis), "Redis")),
        ]
        from_worker(self, self._show_servers, servers)

    def _show_servers(self, servers: list[tuple[str, str]]) -> None:
        self.servers = servers
        self.query_one("#about-text", Static).update(about_text(self.facts, servers))


def _asked(read: Callable[[], str], service: str) -> str:
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - About says the server is down
        explain(error, f"reading the {service} server's version")
        return DOWN


def _grid() -> Table:
    """Label and value columns: a long value wraps within its own column. Each
    section's labels are as wide as its own longest, which leaves the values
    room at 80 columns (the settings' names are far longer than the others)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _services(facts: AboutFacts, servers: list[tuple[str, str]]) -> Table:
    versions = dict(servers)
    grid = _grid()
    for name, value in facts.services:
        grid.add_row(name, value)
        # Each server's version under its address, read when About opens.
        server = f"{name} server"
        if name in ("PostgreSQL", "Redis"):
            grid.add_row(server, versions.get(server, READING))
    return grid


def about_text(facts: AboutFacts, servers: list[tuple[str, str]]) -> Group:
    heading = "bold underline"
    settings = _grid()
    for name, value, source in facts.settings:
        shown = Text(value)
        shown.append(f" ({source})", style="dim")
        settings.add_row(name, shown)
    versions = _grid()
    for name, version in facts.versions:
        versions.add_row(name, version)

    return Group(
        Text("About register-triage", style=heading),
        Text(facts.writes, style="bold"),
        Text("\nServices", style=heading),
        _services(facts, servers),
        Text("\nConfiguration (value, and where it came from)", style=heading),
        settings,
        Text("\nVersions", style=heading),
        versions,
    )
