"""Trainee search: results as you type, by slug, TRN, name, date of birth or provider.

Each keystroke restarts a short timer; when typing pauses, one search runs in a
thread worker and replaces any search still running (its result is dropped), so
the screen never waits on the database and never shows stale results.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from tui.export_flow import export_table
from tui.failures import explain
from tui.screens.base import TriageScreen, from_worker
from tui.views.search import SearchResult, SearchRow, search_rows
from tui.widgets.load_state import LoadState
from tui.widgets.table_cursor import highlight_key, highlighted_key

# Long enough to skip the keystrokes of one word, short enough to feel immediate.
DEBOUNCE_SECONDS = 0.2


class TraineeSearchScreen(TriageScreen):
    SCREEN_TITLE = "Trainee search"
    HELP = (
        "Type a slug, a TRN, a last name (or the start of one, or 'first last'), "
        "a date of birth (dd/mm/yyyy or yyyy-mm-dd) or a provider's name or UKPRN. "
        "Results follow as you type; enter opens the trainee. Deleted (discarded) "
        "trainees are shown, marked."
    )

    BINDINGS: ClassVar = [
        Binding(
            "enter",
            "open_trainee",
            "Open",
            id="search.open_trainee",
            tooltip="Open the highlighted trainee",
        ),
        Binding(
            "slash",
            "focus_query",
            "Search",
            id="search.focus",
            tooltip="Type a new search",
        ),
        Binding(
            "x",
            "export",
            "Export",
            id="search.export",
            show=False,
            tooltip="Write these results to a CSV file",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="search.reload",
            tooltip="Run the search again",
        ),
        Binding(
            "escape",
            "clear_or_leave",
            "Clear",
            id="search.clear",
            tooltip="Clear the search box; when it is empty, back to Failed jobs",
        ),
        Binding(
            "down",
            "focus_results",
            "Results",
            id="search.results",
            show=False,
            tooltip="Move from the search box to the results",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SearchRow] = []
        self._timer: Timer | None = None
        # Typed, but the search for it has not started yet (the pause timer).
        self._typing = False
        # Enter pressed while the search for what was typed is still running:
        # the first result opens when it arrives.
        self._open_when_shown = False
        # The text whose results the table holds: the same search read again
        # keeps its highlighted trainee, a new one starts at its first result.
        self._shown_text = ""

    def compose_body(self) -> ComposeResult:
        with Vertical(id="search-main"):
            yield Input(
                placeholder="slug, TRN, name, date of birth or provider",
                id="search-query",
            )
            yield LoadState(id="search-load")
            yield Static("Type to search.", id="search-status")
            yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        query = self.query_one("#search-query", Input)
        query.cursor_blink = False
        table = self.query_one("#search-results", DataTable)
        table.add_column("Name", key="name", width=22)
        table.add_column("TRN", key="trn", width=7)
        table.add_column("State", key="state", width=18)
        table.add_column("Slug", key="slug", width=10)
        table.add_column("Born", key="born", width=10)
        table.add_column("Provider", key="provider")
        query.focus()

    # --- searching -------------------------------------------------------------------

    @on(Input.Changed, "#search-query")
    def _typed(self, event: Input.Changed) -> None:
        self._open_when_shown = False
        self._typing = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self.action_reload)

    @on(Input.Submitted, "#search-query")
    def _entered(self) -> None:
        """Enter in the box opens the highlighted result (the first one unless
        the operator moved); if the search is still running, once it is shown."""
        searching = self._typing or any(
            worker.is_running and worker.group == "search" for worker in self.workers
        )
        if searching:
            self._open_when_shown = True
            return
        if self.rows:
            self._open_row(self.query_one("#search-results", DataTable).cursor_row)
        else:
            self.notify("No trainee to open: search first.", severity="warning")

    def action_clear_or_leave(self) -> None:
        box = self.query_one("#search-query", Input)
        if box.value:
            box.value = ""
            box.focus()
            self.action_reload()  # the results go at once, not after the pause
            return
        self.triage.action_go("jobs")

    def action_focus_results(self) -> None:
        if self.rows:
            self.query_one("#search-results", DataTable).focus()

    def action_reload(self) -> None:
        self._typing = False
        text = self.query_one("#search-query", Input).value.strip()
        if not text:
            self.rows = []
            self._shown_text = ""
            self._fill([], "Type to search.")
            self.workers.cancel_group(self, "search")
            return
        self.query_one("#search-load", LoadState).loading(f"Searching for {text!r}…")
        self.search(text)

    @work(thread=True, exclusive=True, group="search")
    def search(self, text: str) -> None:
        worker = get_current_worker()
        try:
            result = search_rows(self.triage.connections, text)
        except Exception as error:  # noqa: BLE001 - shown in the pane with a retry key
            service, detail = explain(error, "searching trainees")
            if not worker.is_cancelled:
                from_worker(self, self._failed, service, detail)
            return
        if not worker.is_cancelled:
            from_worker(self, self._show, text, result)

    def _failed(self, service: str, detail: str) -> None:
        self.query_one("#search-load", LoadState).failed(service, detail)

    def _show(self, text: str, result: SearchResult) -> None:
        self.query_one("#search-load", LoadState).ready()
        self.rows = result.rows
        count = len(result.rows)
        if not count:
            status = f"No trainee matches {text!r} ({result.read_as})."
        else:
            more = " (first ones; type more to narrow)" if result.truncated else ""
            plural = "s" if count != 1 else ""
            status = f"{count} trainee{plural}, {result.read_as}{more}"
        table = self.query_one("#search-results", DataTable)
        kept = highlighted_key(table) if text == self._shown_text else None
        self._shown_text = text
        self._fill(result.rows, status)
        highlight_key(table, kept)
        if self._open_when_shown:
            self._open_when_shown = False
            if result.rows:
                self._open_row(0)

    def _fill(self, rows: list[SearchRow], status: str) -> None:
        self.query_one("#search-status", Static).update(status)
        table = self.query_one("#search-results", DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                row.name,
                row.trn,
                row.state,
                row.slug,
                row.born,
                row.provider,
                key=str(row.trainee_id),
            )

    # --- actions ---------------------------------------------------------------------

    def action_focus_query(self) -> None:
        self.query_one("#search-query", Input).focus()

    def action_open_trainee(self) -> None:
        table = self.query_one("#search-results", DataTable)
        if not self.rows:
            self.notify("No trainee to open: search first.", severity="warning")
            return
        self._open_row(table.cursor_row if table.has_focus else 0)

    def _open_row(self, index: int) -> None:
        row = self.rows[max(0, min(index, len(self.rows) - 1))]
        from tui.screens.trainee import TraineeScreen

        self.app.push_screen(TraineeScreen(row.trainee_id))

    @on(DataTable.RowSelected, "#search-results")
    def _selected(self, event: Any) -> None:
        self.action_open_trainee()

    def action_export(self) -> None:
        export_table(self, self.query_one("#search-results", DataTable), "search")
