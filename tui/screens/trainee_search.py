"""Trainee search: results as you type, by slug, TRN, name, date of birth or provider.

Each keystroke restarts a short timer; when typing pauses, one search runs in a
thread worker and replaces any search still running (its result is dropped), so
the screen never waits on the database and never shows stale results.

Enter in the box opens the trainee when exactly one matches, and otherwise moves
to the results. It moves the focus at once, before the search has answered, so
keys typed straight after it reach the results, not the box.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey
from textual.worker import get_current_worker

from tui.export_flow import export_table
from tui.failures import explain
from tui.screens.base import TriageScreen, from_worker
from tui.views.search import SearchResult, SearchRow, search_rows
from tui.widgets.load_state import LoadState
from tui.widgets.row_table import RowTable
from tui.widgets.table_cursor import highlight_key, highlighted_key

# The search service's own limit (services.register.trainees.MAX_QUERY_LENGTH),
# repeated here so that drawing the screen does not import the database layer.
MAX_QUERY_LENGTH = 200

# Long enough to skip the keystrokes of one word, short enough to feel immediate.
DEBOUNCE_SECONDS = 0.2

# (label, key, width); the provider's width is what the others leave.
_COLUMNS = (
    ("Name", "name", 18),
    ("TRN", "trn", 7),
    ("Born", "born", 10),
    ("State", "state", 13),
    ("Provider", "provider", 0),
    ("Slug", "slug", 24),
)
SLUG_WIDTH = 24
PROVIDER_MIN_WIDTH = 16
# Narrower than this, the provider keeps the room and the slug goes off-screen.
PROVIDER_WIDE_WIDTH = 30


class SearchBox(Input):
    """The search box. Keys read together from the terminal are all queued to
    the box before the first is handled, and a binding acts only once its key
    has bubbled up to the app: so enter is handled here, as the box reads it,
    and keys the box reads after the focus has left it go on to where the focus
    is now instead of being typed."""

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen
        if screen.focused is not self and screen.focused is not None:
            event.stop()
            event.prevent_default()
            passed_on = events.Key(event.key, event.character)
            passed_on.set_sender(self.app)
            screen.focused._forward_event(passed_on)
            return
        if event.key == "enter" and isinstance(screen, TraineeSearchScreen):
            event.stop()
            event.prevent_default()
            screen.entered()
            return
        await super()._on_key(event)


class TraineeSearchScreen(TriageScreen):
    SCREEN_TITLE = "Trainee search"
    HELP = (
        "Type a slug, a TRN, a last name (or the start of one, or 'first last'), "
        "a date of birth (dd/mm/yyyy or yyyy-mm-dd) or a provider's name or UKPRN. "
        "Words are looked for in names, then in provider names; a provider shown "
        "in bold is how that trainee was found. Results follow as you type. Enter "
        "in the box opens the trainee if only one matches, otherwise it moves to "
        "the results; enter there opens the highlighted one. Deleted (discarded) "
        "trainees are shown, marked. In the box, letters are typed: to reach "
        "another list, press tab or down to the results first, then its key."
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
            "clear_search",
            "Clear search",
            id="search.clear",
            tooltip="Empty the search box and its results",
        ),
        Binding(
            "escape",
            "leave_search",
            "Failed jobs",
            id="search.leave",
            tooltip="With the search box empty: back to Failed jobs",
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
        # A trainee was opened from the results table: coming back, the focus
        # returns there rather than to the box.
        self._opened_from_results = False

    def compose_body(self) -> ComposeResult:
        with Vertical(id="search-main"):
            # Longer text is refused as it is typed or pasted: the search would
            # refuse it anyway, and a box thousands of characters long makes
            # every key slower than the last.
            yield SearchBox(
                placeholder="slug, TRN, name, date of birth or provider",
                id="search-query",
                max_length=MAX_QUERY_LENGTH,
            )
            yield LoadState(id="search-load")
            yield Static("Type to search.", id="search-status")
            yield RowTable(id="search-results", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        query = self.query_one("#search-query", Input)
        query.cursor_blink = False
        table = self.query_one("#search-results", DataTable)
        for label, key, width in _COLUMNS:
            table.add_column(label, key=key, width=width)
        self._fit_provider_column()
        query.focus()

    def on_resize(self) -> None:
        self._fit_provider_column()

    def _fit_provider_column(self) -> None:
        """The provider takes the width the other columns leave. The slug comes
        last: whole where there is room beside a readable provider, and at 80
        columns off to the right (the table scrolls sideways to it)."""
        table = self.query_one("#search-results", DataTable)
        fixed = sum(width for _label, key, width in _COLUMNS if key != "slug")
        padding = 2 * table.cell_padding * len(_COLUMNS)
        # The vertical scrollbar's two columns, present once the list is long.
        room = self.size.width - fixed - padding - 2
        if room - SLUG_WIDTH >= PROVIDER_WIDE_WIDTH:
            room -= SLUG_WIDTH
        column = table.columns.get(ColumnKey("provider"))
        if column is not None:
            column.width = max(PROVIDER_MIN_WIDTH, room)
            table.refresh(layout=True)

    # --- searching -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # One escape key, two actions, so that the footer names the one it does.
        if action in ("clear_search", "leave_search"):
            box_empty = not self.query_one("#search-query", Input).value
            return box_empty == (action == "leave_search")
        return True

    def on_screen_resume(self) -> None:
        """Back on the search: to the box with what was typed selected, so typing
        starts a new search instead of adding to it; back from a trainee opened
        from the results, to the results where the operator was."""
        super().on_screen_resume()
        table = self.query_one("#search-results", DataTable)
        if self._opened_from_results and self.rows:
            self._opened_from_results = False
            self.set_focus(table)
            return
        box = self.query_one("#search-query", Input)
        self.set_focus(box)
        box.select_all()

    @on(Input.Changed, "#search-query")
    def _typed(self, event: Input.Changed) -> None:
        self.refresh_bindings()
        self._open_when_shown = False
        self._typing = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self.action_reload)

    def entered(self) -> None:
        """Enter in the box: the one trainee that matches opens; with more, the
        results take the focus. Called by the box as the key is handled, so the
        focus has moved before the next key is read."""
        searching = self._typing or any(
            worker.is_running and worker.group == "search" for worker in self.workers
        )
        if searching:
            # Decided when the results arrive; the keys typed meanwhile go to them.
            self._open_when_shown = True
            # set_focus, not focus(): focus() waits for the next loop turn, and a
            # key already read would reach the box first.
            self.set_focus(self.query_one("#search-results", DataTable))
            return
        self._open_or_focus_results()

    def _open_or_focus_results(self) -> None:
        if len(self.rows) == 1:
            self._open_row(0)
        elif self.rows:
            self.set_focus(self.query_one("#search-results", DataTable))
        else:
            self.set_focus(self.query_one("#search-query", Input))
            self.notify("No trainee to open: nothing matches.", severity="warning")

    def action_clear_search(self) -> None:
        box = self.query_one("#search-query", Input)
        box.value = ""
        box.focus()
        self.action_reload()  # the results go at once, not after the pause
        self.refresh_bindings()

    def action_leave_search(self) -> None:
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
        status = result.status
        table = self.query_one("#search-results", DataTable)
        kept = highlighted_key(table) if text == self._shown_text else None
        self._shown_text = text
        self._fill(result.rows, status)
        highlight_key(table, kept)
        if self._open_when_shown:
            self._open_when_shown = False
            self._open_or_focus_results()

    def _fill(self, rows: list[SearchRow], status: str) -> None:
        self.query_one("#search-status", Static).update(status)
        table = self.query_one("#search-results", DataTable)
        table.clear()
        for row in rows:
            provider_style = "bold" if row.matched_by == "provider" else ""
            table.add_row(
                row.name,
                row.trn,
                row.born,
                row.state,
                Text(row.provider, style=provider_style, overflow="ellipsis"),
                row.slug,
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
        self._opened_from_results = self.query_one(
            "#search-results", DataTable
        ).has_focus
        from tui.screens.trainee import TraineeScreen

        self.app.push_screen(TraineeScreen(row.trainee_id))

    @on(DataTable.RowSelected, "#search-results")
    def _selected(self, event: Any) -> None:
        self.action_open_trainee()

    def action_export(self) -> None:
        export_table(self, self.query_one("#search-results", DataTable), "search")
