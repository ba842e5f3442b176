"""What every screen of the app has: the top bar, the mode banner, the footer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from tui.widgets.chrome import ModeBanner, TopBar

if TYPE_CHECKING:
    from tui.app import TriageApp

log = logging.getLogger(__name__)


class TriageScreen(Screen[None]):
    """A full screen of the app; subclasses yield their body from `compose_body`."""

    SCREEN_TITLE: ClassVar[str] = ""
    # Shown by Help (F1) above the keys: what this screen is for, in a few lines.
    HELP: ClassVar[str] = ""

    # The app's count of writes when this screen last read its data: a screen
    # shown again after a write elsewhere reads its data again (see `on_screen_resume`).
    _writes_seen: int = 0

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    def mark_fresh(self) -> None:
        """This screen's data reflects every write made so far."""
        self._writes_seen = self.triage.writes_done

    def on_screen_resume(self) -> None:
        """Shown again after a fix applied elsewhere: what it lists may have
        changed (a job gone, a state changed), so it reads its data again."""
        reload = getattr(self, "action_reload", None)
        if reload is None or self._writes_seen == self.triage.writes_done:
            return
        log.info("%s shown after a write: reading it again", type(self).__name__)
        self.mark_fresh()
        reload()

    def compose(self) -> ComposeResult:
        self._writes_seen = self.triage.writes_done
        yield TopBar(self.SCREEN_TITLE)
        yield ModeBanner(id="mode-banner")
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()
