"""What every screen of the app has: the top bar, the mode banner, the footer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer

from tui.widgets.chrome import ModeBanner, TopBar

if TYPE_CHECKING:
    from tui.app import TriageApp

log = logging.getLogger(__name__)


def is_open(node: DOMNode) -> bool:
    """Whether `node` (a screen, or a widget on one) is still part of the app:
    neither closed nor being taken apart. A screen popped while its worker was
    reading loses its widgets first, so nothing may be drawn on it any more."""
    gone = node._closing or node._closed or node._pruning
    return node.is_attached and not gone


def from_worker(node: DOMNode, callback: Callable[..., Any], *args: Any) -> None:
    """From a worker's thread: `callback(*args)` on the event loop, if `node` is
    still open by then. The operator may close a screen while it reads (`j` after
    a fix closes the trainee screens, each reading itself again): what the read
    brings back then has nowhere to go and is dropped."""

    what = getattr(callback, "__name__", "its result")

    def deliver() -> None:
        if not is_open(node):
            log.info("%s closed before %s: result dropped", type(node).__name__, what)
            return
        callback(*args)

    try:
        # A worker's thread finds the app through the node's parents, which a
        # closed screen no longer has.
        app = node.app
    except RuntimeError:  # Textual's NoActiveAppError
        log.info("%s closed before %s: result dropped", type(node).__name__, what)
        return
    app.call_from_thread(deliver)


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
        if not is_open(self):
            # Shown on the way out: `j` pops every screen above the list.
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
