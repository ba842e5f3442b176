"""What every screen of the app has: the top bar, the mode banner, the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from tui.widgets.chrome import ModeBanner, TopBar

if TYPE_CHECKING:
    from tui.app import TriageApp


class TriageScreen(Screen[None]):
    """A full screen of the app; subclasses yield their body from `compose_body`."""

    SCREEN_TITLE: ClassVar[str] = ""
    # Shown by Help (F1) above the keys: what this screen is for, in a few lines.
    HELP: ClassVar[str] = ""

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TopBar(self.SCREEN_TITLE)
        yield ModeBanner(id="mode-banner")
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()
