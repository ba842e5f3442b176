"""What the two monitor screens (pending TRNs, pending awards) share.

A table of trainees read by the monitors service in a thread worker, a detail
pane for the highlighted one, a DQT check on demand (async worker, `c`), the
fixes on offer through the same confirmation as everywhere (`f`), and export.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from tui.failures import explain
from tui.fix_flow import FixFlow
from tui.screens.base import TriageScreen, from_worker, is_open
from tui.views.text import label_grid
from tui.widgets.load_state import LoadState
from tui.widgets.row_table import RowTable
from tui.widgets.table_cursor import highlight_key, highlighted_key


class MonitorScreen(TriageScreen):
    """Subclasses name the columns, load the rows and word the detail."""

    LOADING: ClassVar[str] = "Reading…"
    EMPTY: ClassVar[str] = "Nobody is waiting."
    COLUMNS: ClassVar[list[tuple[str, str, int | None]]] = []

    BINDINGS: ClassVar = [
        Binding(
            "enter",
            "open_trainee",
            "Trainee",
            id="monitor.open_trainee",
            tooltip="Open the highlighted trainee",
        ),
        Binding(
            "c",
            "check_dqt",
            "Check DQT",
            id="monitor.check_dqt",
            tooltip="Ask DQT about the highlighted trainee now (read-only)",
        ),
        Binding(
            "f",
            "fix",
            "Fix",
            id="monitor.fix",
            tooltip="Choose one of the fixes on offer for the highlighted trainee",
        ),
        Binding(
            "x",
            "export",
            "Export",
            id="monitor.export",
            tooltip="Write this list to a CSV file",
        ),
        Binding(
            "escape",
            "cancel",
            "Stop",
            id="monitor.cancel",
            show=False,
            tooltip="Stop waiting for a load or a DQT check still running",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="monitor.reload",
            tooltip="Read the list again",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Any] = []
        self.checks: dict[int, Any] = {}
        self.fixes = FixFlow(self, self.action_reload)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="monitor-main"):
            yield LoadState(id="monitor-load")
            yield Static("", id="monitor-status")
            yield RowTable(id="monitor", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="monitor-detail"):
                yield Static("", id="monitor-detail-text")

    def on_mount(self) -> None:
        table = self.query_one("#monitor", DataTable)
        for label, key, width in self.COLUMNS:
            table.add_column(label, key=key, width=width)
        table.focus()
        self.action_reload()

    # --- what subclasses provide -----------------------------------------------------

    def read_rows(self) -> list[Any]:
        raise NotImplementedError

    def cells(self, row: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def situation(self, row: Any) -> list[tuple[str, str]]:
        """The detail lines saying where the trainee is stuck."""
        raise NotImplementedError

    async def check(self, client: Any, row: Any) -> Any:
        raise NotImplementedError

    def fix_names(self, row: Any) -> list[str]:
        raise NotImplementedError

    def fix_plan(self, name: str, row: Any) -> tuple[str, dict[str, str]]:
        return str(row.trainee.id), {}

    def status_line(self, rows: list[Any]) -> str:
        raise NotImplementedError

    def export(self) -> None:
        raise NotImplementedError

    # --- loading ---------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one("#monitor-load", LoadState).loading(self.LOADING)
        self.load()

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        try:
            rows = self.read_rows()
        except Exception as error:  # noqa: BLE001 - shown with a retry key
            service, detail = explain(error, f"loading {self.SCREEN_TITLE}")
            from_worker(self, self._failed, service, detail)
            return
        from_worker(self, self._show, rows)

    def _failed(self, service: str, detail: str) -> None:
        self.query_one("#monitor-load", LoadState).failed(service, detail)

    def _show(self, rows: list[Any]) -> None:
        self.query_one("#monitor-load", LoadState).ready()
        self.rows = rows
        self.query_one("#monitor-status", Static).update(
            self.status_line(rows) if rows else self.EMPTY
        )
        table = self.query_one("#monitor", DataTable)
        kept = highlighted_key(table)
        table.clear()
        for row in rows:
            table.add_row(*self.cells(row), key=str(row.trainee.id))
        # Read again: the same trainee stays highlighted while still listed.
        highlight_key(table, kept)
        self._show_detail()

    # --- detail ----------------------------------------------------------------------

    def current(self) -> Any | None:
        table = self.query_one("#monitor", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#monitor")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#monitor")
    def _selected(self) -> None:
        self.action_open_trainee()

    def detail(self, row: Any, check: Any | None) -> list[tuple[str, str]]:
        """Who the trainee is, the screen's situation lines, notes, what DQT said."""
        trainee = row.trainee
        return [
            (
                "Trainee",
                f"{trainee.full_name} · slug {trainee.slug} · {trainee.route_label}",
            ),
            (
                "Provider",
                f"{trainee.provider_name or '?'} ({trainee.provider_ukprn or '?'})",
            ),
            *self.situation(row),
            *(("Note", note) for note in row.notes),
            ("DQT", check.message if check else "not asked yet (press c)"),
        ]

    def _show_detail(self) -> None:
        row = self.current()
        target = self.query_one("#monitor-detail-text", Static)
        if row is None:
            target.update("")
            return
        lines = self.detail(row, self.checks.get(row.trainee.id))
        keys = Text("c: check DQT · f: fixes · enter: the trainee", "dim")
        target.update(Group(label_grid(lines), keys))

    # --- actions ---------------------------------------------------------------------

    def _row_or_warn(self) -> Any | None:
        row = self.current()
        if row is None:
            self.notify("No trainee is highlighted.", severity="warning")
        return row

    def action_open_trainee(self) -> None:
        row = self._row_or_warn()
        if row is not None:
            from tui.screens.trainee import TraineeScreen

            self.app.push_screen(TraineeScreen(row.trainee.id))

    def action_check_dqt(self) -> None:
        row = self._row_or_warn()
        if row is not None:
            self.notify(f"Asking DQT about {row.trainee.short_name}…", timeout=2)
            self.ask_dqt(row)

    @work(exclusive=True, group="dqt")
    async def ask_dqt(self, row: Any) -> None:
        from dqt.client import DqtClient

        app = self.triage
        connections = app.connections
        try:
            # Read again each time: the sandbox's simulator may have moved.
            await asyncio.to_thread(app.current_dqt_url)
            async with DqtClient(
                connections.dqt_api_url,
                connections.dqt_api_key or "",
                timeout=app.settings.triage_dqt_timeout_seconds,
                get_retries=1,
            ) as client:
                result = await self.check(client, row)
        except Exception as error:  # noqa: BLE001 - the service words its own failures
            service, detail = explain(error, "asking DQT")
            self.notify(
                f"{service} did not answer: {detail}. Press c to try again.",
                title="DQT",
                severity="error",
            )
            return
        self.checks[row.trainee.id] = result
        if not is_open(self):
            # Closed while DQT was answering.
            return
        severity = (
            "error" if result.outcome in ("unavailable", "error") else "information"
        )
        self.notify(
            result.message, title=f"DQT: {row.trainee.short_name}", severity=severity
        )  # type: ignore[arg-type]
        self._show_detail()

    def action_fix(self) -> None:
        row = self._row_or_warn()
        if row is not None:
            self.fixes.offer(
                self.fix_names(row),
                lambda name: self.fix_plan(name, row),
                title=f"Fixes for {row.trainee.short_name}",
            )

    def action_export(self) -> None:
        self.export()

    def action_cancel(self) -> None:
        running = [w for w in self.workers if w.is_running]
        for worker in running:
            worker.cancel()
        if any(worker.group == "load" for worker in running):
            self.query_one("#monitor-load", LoadState).cancelled("PostgreSQL and Redis")
        if running:
            self.notify("Stopped.", timeout=3)
