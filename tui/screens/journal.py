"""The journal: every action taken with the product, by whom, when, with what result."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from services.register.names import TraineeNames, trainee_names
from tui.export_flow import export_table
from tui.failures import explain
from tui.screens.base import TriageScreen, from_worker
from tui.screens.text_modal import TextModal
from tui.views.text import one_line
from tui.widgets.load_state import LoadState
from tui.widgets.row_table import RowTable

OUTCOME_STYLES = {
    "applied": "green",
    "partial": "bold yellow",
    "refused": "yellow",
    "failed": "bold red",
    "previewed": "dim",
}


class JournalScreen(TriageScreen):
    SCREEN_TITLE = "Journal"
    HELP = (
        "Every fix and job action attempted with this product, newest first: "
        "applied, partial (what is left to do is in the entry), refused or "
        "failed, with the operator and the audit comment. Enter shows an entry "
        "in full."
    )

    BINDINGS: ClassVar = [
        Binding(
            "enter",
            "show_entry",
            "Entry",
            id="journal.show_entry",
            tooltip="Show the highlighted entry in full",
        ),
        Binding(
            "x",
            "export",
            "Export",
            id="journal.export",
            tooltip="Write the journal as shown to a CSV file",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="journal.reload",
            tooltip="Read the journal again",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Any] = []
        # Trainees' names for the entries shown; None until read (or unreadable).
        self.names: TraineeNames | None = None
        # Set when the journal is shown again: newer entries written meanwhile
        # (fixes made elsewhere) are what the operator comes back to see.
        self._to_newest = False

    def compose_body(self) -> ComposeResult:
        with Vertical(id="journal-main"):
            yield LoadState(id="journal-load")
            yield Static("", id="journal-status")
            yield RowTable(id="journal", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="journal-detail"):
                yield Static("", id="journal-detail-text")

    def on_mount(self) -> None:
        table = self.query_one("#journal", DataTable)
        table.add_column("When (UTC)", key="at", width=16)
        table.add_column("Outcome", key="outcome", width=9)
        table.add_column("Action", key="action", width=18)
        table.add_column("Trainee", key="trainee", width=28)
        table.add_column("Operator", key="operator", width=8)
        table.add_column("Summary", key="summary")
        table.focus()

    def on_screen_resume(self) -> None:
        # Fixes applied elsewhere since the journal was last looked at.
        self.query_one("#journal", DataTable).focus()
        self._to_newest = True
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#journal-load", LoadState).loading("Reading the journal…")
        self.load()

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        journal = self.triage.journal()
        try:
            entries = journal.read(limit=2000, newest_first=True)
        except Exception as error:  # noqa: BLE001 - shown with a retry key
            service, detail = explain(error, "reading the journal")
            from_worker(self, self._failed, detail, str(journal.path))
            return
        # The list first, with the slugs the journal kept: names come from
        # PostgreSQL, which may be slow or down.
        from_worker(self, self._show, entries, str(journal.path))

        ids, slugs = references_of(entries)
        if not ids and not slugs:
            return
        try:
            with self.triage.connections.engine.connect() as conn:
                names = trainee_names(conn, ids=ids, slugs=slugs)
        except Exception as error:  # noqa: BLE001 - the list stands without names
            service, _ = explain(error, "reading trainees' names")
            if not get_current_worker().is_cancelled:
                from_worker(self, self._names_failed, service)
            return
        # A reload started meanwhile shows other entries: these names are late.
        if not get_current_worker().is_cancelled:
            from_worker(self, self._show_names, names)

    def _failed(self, detail: str, path: str) -> None:
        self.query_one("#journal-load", LoadState).failed(
            f"The journal ({path})", detail
        )

    def _show(self, entries: list[Any], path: str) -> None:
        self.query_one("#journal-load", LoadState).ready()
        table = self.query_one("#journal", DataTable)
        # A reload keeps the highlighted entry, wherever newer entries put it;
        # shown again with newer entries than last time, the newest is highlighted.
        highlighted = self.current()
        newest_before = self.entries[0] if self.entries else None
        to_newest = self._to_newest and bool(entries) and entries[0] != newest_before
        self._to_newest = False
        self.entries = entries
        self.names = None
        # The folder is on the About screen (F2); the list needs the room.
        status = (
            f"{entries_count(len(entries))}, newest first (journal.jsonl in the "
            "data folder)"
            if entries
            else "Nothing has been done with this product yet."
        )
        self.query_one("#journal-status", Static).update(status)
        table.clear()
        for index, entry in enumerate(entries):
            outcome = Text(entry.outcome, style=OUTCOME_STYLES.get(entry.outcome, ""))
            table.add_row(
                f"{entry.at:%Y-%m-%d %H:%M}",
                outcome,
                entry.action,
                trainee_cell(entry, None),
                entry.operator,
                one_line(entry.summary, 200),
                key=str(index),
            )
        if to_newest:
            table.move_cursor(row=0, animate=False)
            table.scroll_to(y=0, animate=False)
        elif highlighted is not None and highlighted in entries:
            table.move_cursor(row=entries.index(highlighted), animate=False)
        self._show_detail()

    def _show_names(self, names: TraineeNames) -> None:
        self.names = names
        table = self.query_one("#journal", DataTable)
        for index, entry in enumerate(self.entries):
            table.update_cell(str(index), "trainee", trainee_cell(entry, names))
        self._show_detail()

    def _names_failed(self, service: str) -> None:
        self.query_one("#journal-status", Static).update(
            # One line at 80 columns: the reason is in the log.
            f"{entries_count(len(self.entries))}; trainees' names could not be "
            f"read ({service} down)"
        )

    def current(self) -> Any | None:
        table = self.query_one("#journal", DataTable)
        if not self.entries or not 0 <= table.cursor_row < len(self.entries):
            return None
        return self.entries[table.cursor_row]

    @on(DataTable.RowHighlighted, "#journal")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#journal")
    def _selected(self) -> None:
        self.action_show_entry()

    def _show_detail(self) -> None:
        entry = self.current()
        target = self.query_one("#journal-detail-text", Static)
        if entry is None:
            target.update("")
            return
        target.update(entry_grid(entry, self.names))

    def action_show_entry(self) -> None:
        entry = self.current()
        if entry is None:
            self.notify("No entry is highlighted.", severity="warning")
            return
        body = json.dumps(entry.to_json(), indent=2, ensure_ascii=False, default=str)
        self.app.push_screen(TextModal(f"Journal entry: {entry.action}", body))

    def action_export(self) -> None:
        export_table(self, self.query_one("#journal", DataTable), "journal")


def entries_count(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


def _as_id(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def trainees_of(entry: Any) -> list[tuple[int | None, str | None]]:
    """(trainee id, slug) for each trainee an entry is about: a fix keeps the
    id and the slug, a job action the ids of every trainee it touched."""
    target = entry.target if isinstance(entry.target, dict) else {}
    slug = str(target["slug"]) if target.get("slug") else None
    first_id = (
        _as_id(target["trainee_id"]) if target.get("trainee_id") is not None else None
    )
    found: list[tuple[int | None, str | None]] = []
    if slug or first_id is not None:
        found.append((first_id, slug))
    for value in target.get("trainee_ids") or []:
        trainee_id = _as_id(value)
        if trainee_id is not None and trainee_id != first_id:
            found.append((trainee_id, None))
    return found


def references_of(entries: list[Any]) -> tuple[set[int], set[str]]:
    """Every trainee id and slug the entries name, for one look-up."""
    ids: set[int] = set()
    slugs: set[str] = set()
    for entry in entries:
        for trainee_id, slug in trainees_of(entry):
            if trainee_id is not None:
                ids.add(trainee_id)
            if slug:
                slugs.add(slug)
    return ids, slugs


def trainee_label(
    trainee_id: int | None, slug: str | None, names: TraineeNames | None
) -> str:
    """ "Ada Lovelace (slug)"; the slug (or id) alone while names are not read;
    "(not found)" after it when the trainee no longer exists."""
    shown = slug or f"trainee {trainee_id}"
    if names is None:
        return shown
    found = names.find(trainee_id=trainee_id, slug=slug)
    return found.label if found is not None else f"{shown} (not found)"


def trainee_of(entry: Any, names: TraineeNames | None) -> str:
    """Who an entry is about, as the list shows it: the first trainee, and how
    many more a job action touched."""
    trainees = trainees_of(entry)
    if not trainees:
        return "-"
    more = f" +{len(trainees) - 1}" if len(trainees) > 1 else ""
    return trainee_label(*trainees[0], names) + more


def trainee_cell(entry: Any, names: TraineeNames | None) -> Text:
    # Text, not str: a name is never read as markup; the ellipsis says that the
    # rest (the slug, usually) is in the detail below.
    return Text(trainee_of(entry, names), no_wrap=True, overflow="ellipsis")


def entry_grid(entry: Any, names: TraineeNames | None) -> Table:
    """The entry as label and value in two columns: a long value wraps within
    its own column, so the labels stay readable down the left."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for label, value in entry_lines(entry, names):
        grid.add_row(label, value)
    return grid


def _plain(value: Any) -> str:
    """A journal value as words: a list of jids reads `a, b`, not `['a', 'b']`."""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def entry_lines(entry: Any, names: TraineeNames | None) -> list[tuple[str, str]]:
    target = ", ".join(f"{key} {_plain(value)}" for key, value in entry.target.items())
    who = "; ".join(
        trainee_label(trainee_id, slug, names)
        for trainee_id, slug in trainees_of(entry)
    )
    lines = [
        ("When", f"{entry.at:%Y-%m-%d %H:%M:%S} UTC by {entry.operator}"),
        ("Action", f"{entry.action}: {entry.outcome}"),
        ("Trainee", who or "-"),
        ("Target", target or "-"),
        ("Summary", entry.summary),
        ("Comment", entry.comment or "-"),
    ]
    left = entry.detail.get("left_to_do") if isinstance(entry.detail, dict) else None
    if left:
        lines.append(("To do", "; ".join(str(item) for item in left)))
    return lines
