"""The two lines at the top of every screen: where you are, and in what mode.

`TopBar` names the screen on the left and shows the header figures (dead-set
health, pending counts) on the right, kept current by the app. `ModeBanner` says
when writes are off or when the data are the sandbox's demo data, so that nobody
mistakes one for production or wonders why a fix is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

if TYPE_CHECKING:
    from tui.app import TriageApp


class TopBar(Horizontal):
    """The screen's name on the left, the header figures on the right."""

    def __init__(self, title: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.screen_title = title

    def compose(self) -> ComposeResult:
        yield Static(self._title_text(), id="topbar-title")
        yield Static("", id="topbar-figures")

    def _title_text(self) -> Text:
        # The app's name is in the terminal's title; the room here is for figures.
        return Text(self.screen_title, style="bold")

    def on_mount(self) -> None:
        app: TriageApp = self.app  # type: ignore[assignment]
        self.watch(app, "dead_health", self._update_figures)
        self.watch(app, "pending_counts", self._update_figures)

    def _update_figures(self, _value: str) -> None:
        app: TriageApp = self.app  # type: ignore[assignment]
        parts = [part for part in (app.dead_health, app.pending_counts) if part]
        self.query_one("#topbar-figures", Static).update(" · ".join(parts))


class ModeBanner(Static):
    """One line: SANDBOX and/or READ-ONLY, with what that means."""

    def on_mount(self) -> None:
        app: TriageApp = self.app  # type: ignore[assignment]
        text = Text()
        if app.sandbox:
            text.append(" SANDBOX ", style="bold reverse")
            text.append(" demo data, nothing here is real ")
        if not app.writes_enabled:
            text.append(" READ-ONLY ", style="bold reverse")
            text.append(" writes off; TRIAGE_ALLOW_WRITES=true turns them on")
        elif not app.sandbox:
            text.append(" WRITES ON ", style="bold reverse")
            text.append(" fixes change production data ")
        self.update(text)
        self.set_class(app.sandbox, "-sandbox")
        self.set_class(not app.writes_enabled, "-read-only")
