"""`TriageApp`: the terminal app support developers open with `triage`.

The app holds what every screen shares (the connections, the clock, whether writes
are on) and the header's figures (dead-set health, pending counts). Each list lives
in its own mode so that moving between them keeps each one's place; the trainee
screen, the modals, help and about are pushed on top of the current mode.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from tui import health
from tui.palette import binding_commands
from tui.screens.failed_jobs import FailedJobsScreen

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.actions import ActionParseResult
    from textual.dom import DOMNode

    from triage.runtime import Connections
    from tui.widgets.load_state import LoadState

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(UTC)


def _lazy(module: str, name: str) -> Callable[[], Screen[Any]]:
    """A mode's screen, imported when first shown: launch reads only the home's."""

    def make() -> Screen[Any]:
        import importlib

        return getattr(importlib.import_module(module), name)()  # type: ignore[no-any-return]

    return make


class TriageApp(App[None]):
    """Failed jobs, trainees, monitors and the journal, keyboard first."""

    TITLE = "register-triage"
    CSS_PATH = "triage.tcss"

    # Narrow terminals stack panes; from 110 columns they sit side by side.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # Under 32 rows the detail panes keep to a few lines so the lists stay visible.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    MODES = {
        "jobs": FailedJobsScreen,
        "search": _lazy("tui.screens.trainee_search", "TraineeSearchScreen"),
        "pending_trns": _lazy("tui.screens.pending_trns", "PendingTrnsScreen"),
        "pending_awards": _lazy("tui.screens.pending_awards", "PendingAwardsScreen"),
        "journal": _lazy("tui.screens.journal", "JournalScreen"),
    }
    DEFAULT_MODE = "jobs"

    BINDINGS = [
        Binding(
            "f1",
            "help",
            "Help",
            id="app.help",
            tooltip="Keys of this screen and what the screen is for",
        ),
        Binding(
            "f2",
            "about",
            "About",
            id="app.about",
            show=False,
            tooltip="Versions, configuration sources, services, writes on or off",
        ),
        Binding(
            "j",
            "go('jobs')",
            "Failed jobs",
            id="app.jobs",
            show=False,
            tooltip="Failed jobs by playbook case (the home screen)",
        ),
        Binding(
            "s",
            "go('search')",
            "Search",
            id="app.search",
            show=False,
            tooltip="Find a trainee by slug, TRN, name, date of birth or provider",
        ),
        Binding(
            "t",
            "go('pending_trns')",
            "Pending TRNs",
            id="app.pending_trns",
            show=False,
            tooltip="Trainees waiting for a TRN and what their polling is doing",
        ),
        Binding(
            "a",
            "go('pending_awards')",
            "Pending awards",
            id="app.pending_awards",
            show=False,
            tooltip="Trainees recommended for award and their award job",
        ),
        Binding(
            "l",
            "go('journal')",
            "Journal",
            id="app.journal",
            show=False,
            tooltip="Actions taken with this product: who, when, result",
        ),
        Binding(
            "q",
            "quit",
            "Quit",
            id="app.quit",
            show=False,
            tooltip="Leave register-triage",
        ),
    ]

    # Writes applied in this session: list screens compare it with the count
    # they last read at, and read again when shown after a write (TriageScreen).
    writes_done = 0

    # Figures the header shows on every screen; refreshed by `refresh_health`.
    dead_health: reactive[str] = reactive("dead set: …")
    pending_counts: reactive[str] = reactive("")

    def _fatal_error(self) -> None:
        """An unhandled error: log it, and show a traceback WITHOUT local variables.

        Textual's default shows each frame's locals, which here hold connection
        details; the log keeps the whole traceback for whoever investigates.
        """
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        log.exception("the terminal app stopped on an unhandled error")
        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    def __init__(self, connections: Connections, *, clock: Clock | None = None) -> None:
        super().__init__()
        self.connections = connections
        self.settings = connections.settings
        self._clock = clock or _system_clock
        self._fix_context: Any = None
        self._health_read = False
        # Animations cost redraws over SSH and make snapshots unstable; an operator
        # who wants them sets TEXTUAL_ANIMATIONS.
        import os

        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"

    # --- what screens share ----------------------------------------------------------

    @property
    def writes_enabled(self) -> bool:
        return bool(self.settings.writes_enabled)

    @property
    def sandbox(self) -> bool:
        return bool(self.connections.sandbox)

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.triage_data_dir)

    @property
    def operator(self) -> str:
        return str(self.settings.operator)

    def fix_context(self) -> Any:
        """The fixes' context, built once: same services, clock and operator."""
        if self._fix_context is None:
            from services.fixes.base import FixContext

            settings = self.settings
            self._fix_context = FixContext(
                engine=self.connections.engine,
                redis=self.connections.redis,
                journal=self.journal(),
                operator=self.operator,
                writes_enabled=self.writes_enabled,
                dqt_base_url=self.connections.dqt_api_url,
                dqt_api_key=self.connections.dqt_api_key,
                sidekiq_major=settings.triage_sidekiq_version,
                institutions_path=self.institutions_path(),
                clock=self.now,
            )
        return self._fix_context

    def current_dqt_url(self) -> str:
        """DQT's URL read again before a retry: the sandbox's simulator gets a new
        port when it is restarted, and the fixes' context must follow it.

        Blocking (it may start the sandbox's simulator): call it from a worker.
        """
        before = self.connections.dqt_api_url
        url = str(self.connections.current_dqt_api_url())
        if url != before:
            log.info("DQT's URL changed; the fixes use the new one")
            self._fix_context = None
        return url

    def follow_sandbox_dqt(self) -> None:
        """Where the sandbox's simulator answers now, read without starting
        anything: `triage sandbox env` or a reset may have restarted it on another
        port since the app started. Called before the fixes or the comparison ask
        DQT; configured services never move. Blocking (reads the sandbox's state
        file): call it from a worker."""
        if not self.sandbox:
            return
        from sandbox.lifecycle import status

        url = status(self.data_dir).dqt_api_url
        if url and url != self.connections.dqt_api_url:
            log.info(
                "the sandbox's DQT simulator moved from %s to %s; following it",
                self.connections.dqt_api_url,
                url,
            )
            self.connections.dqt_api_url = url
            self._fix_context = None

    def journal(self) -> Any:
        from services.journal import Journal

        return Journal.in_data_dir(self.data_dir)

    def institutions_path(self) -> Path | None:
        configured = self.settings.triage_institutions_file
        if configured:
            return Path(configured)
        if self.sandbox:
            import sandbox

            shipped = Path(sandbox.__file__).parent / "institutions.json"
            return shipped if shipped.exists() else None
        return None

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return self._clock().date()

    # --- start and stop --------------------------------------------------------------

    def on_mount(self) -> None:
        log.info("app started: sandbox=%s writes=%s", self.sandbox, self.writes_enabled)
        self._watch_for_terminal_loss()
        # The header's figures are read once the home screen has its jobs (see
        # `home_loaded`), so that both reads do not compete for the first screen.

    def _watch_for_terminal_loss(self) -> None:
        """Leave cleanly when the SSH link drops or the process is asked to stop."""
        try:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(signum, self._terminal_gone, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            # Not the main thread (tests) or no signals on this platform.
            pass

    def _terminal_gone(self, signum: int) -> None:
        log.info("terminal gone (signal %s): exiting", signum)
        self.exit()

    def data_changed(self) -> None:
        """A write was applied: every list that may show it reads again when it
        is next shown, and the header's figures are read again now."""
        self.writes_done += 1
        log.info("write %d applied: lists will read again", self.writes_done)
        self.refresh_health()

    # --- the header's figures --------------------------------------------------------

    def home_loaded(self, dead_set: str | None = None) -> None:
        """Called by the home screen after each load of the failed jobs, with the
        dead set's figure from the same read, so the header and list agree."""
        if dead_set is not None:
            self.dead_health = dead_set
        if not self._health_read:
            self._health_read = True
            self.refresh_health()

    @work(thread=True, exclusive=True, group="health")
    def refresh_health(self) -> None:
        """Dead-set health and pending counts, read off the event loop."""
        figures = health.read_figures(self.connections, now=self.now())
        self.call_from_thread(self._show_health, figures)

    def _show_health(self, figures: health.HeaderFigures) -> None:
        self.dead_health = figures.dead_set
        self.pending_counts = figures.pending

    def on_load_state_settled(self, event: LoadState.Settled) -> None:
        """A list's own read failed, or succeeded while the header says a service
        is down: the figures are read again, so the header follows the list."""
        if event.failed or health.shows_outage(self.dead_health, self.pending_counts):
            log.info(
                "a list's read %s: reading the header's figures again",
                "failed" if event.failed else "succeeded",
            )
            self.refresh_health()

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """ctrl+r on a list (the "reload" action, from a key or the palette)
        reads the header's figures again too."""
        if action == "reload" and isinstance(default_namespace, Screen):
            self.refresh_health()
        return await super().run_action(action, default_namespace, namespaces)

    # --- actions ---------------------------------------------------------------------

    def action_go(self, mode: str) -> None:
        """To the list of `mode` itself: a trainee opened on top of it earlier
        is closed, so the key always lands on the list it names."""
        if self.current_mode == mode:
            self._back_to_list()
            return
        self.switch_mode(mode)
        self.call_after_refresh(self._back_to_list)

    def _back_to_list(self) -> None:
        while len(self.screen_stack) > 1 and not self.screen.is_modal:
            self.pop_screen()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_about(self) -> None:
        from tui.screens.about import AboutScreen

        if isinstance(self.screen, AboutScreen):
            return
        self.push_screen(AboutScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Behind a modal (a confirmation, help) the letters must not leave it or
        # quit: a comment typed with the buttons focused would otherwise navigate.
        # The command palette is itself a modal: while it lists commands, the
        # screen under it is the one that counts.
        from textual.command import CommandPalette

        screen = self.screen
        if isinstance(screen, CommandPalette) and len(self.screen_stack) > 1:
            screen = self.screen_stack[-2]
        blocked = action in ("go", "quit", "help", "about") and screen.is_modal
        return not blocked

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every named binding of the screen is also a palette command."""
        yield from binding_commands(self, screen)
        yield SystemCommand(
            "Theme", "Change the colours of the app", self.action_change_theme
        )
        yield SystemCommand(
            "Screenshot",
            "Save an SVG picture of the screen in the current folder",
            lambda: self.set_timer(0.1, self.deliver_screenshot),
        )
