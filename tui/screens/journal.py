"""The journal: every action taken with the product, by whom, when, with what result."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from tui.export_flow import export_table
from tui.failures import explain
from tui.screens.base import TriageScreen
from tui.screens.text_modal import TextModal
from tui.views.text import one_line
from tui.widgets.load_state import LoadState

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

    def compose_body(self) -> ComposeResult:
        with Vertical(id="journal-main"):
            yield LoadState(id="journal-load")
            yield Static("", id="journal-status")
            yield DataTable(id="journal", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="journal-detail"):
                yield Static("", id="journal-detail-text")

    def on_mount(self) -> None:
        table = self.query_one("#journal", DataTable)
        table.add_column("When (UTC)", key="at", width=16)
        table.add_column("Outcome", key="outcome", width=9)
        table.add_column("Action", key="action", width=20)
        table.add_column("Trainee", key="trainee", width=14)
        table.add_column("Operator", key="operator", width=8)
        table.add_column("Summary", key="summary")
        table.focus()

    def on_screen_resume(self) -> None:
        # Fixes applied elsewhere since the journal was last looked at.
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
            self.app.call_from_thread(self._failed, detail, str(journal.path))
            return
        self.app.call_from_thread(self._show, entries, str(journal.path))

    def _failed(self, detail: str, path: str) -> None:
        self.query_one("#journal-load", LoadState).failed(
            f"The journal ({path})", detail
        )

    def _show(self, entries: list[Any], path: str) -> None:
        self.query_one("#journal-load", LoadState).ready()
        self.entries = entries
        # The folder is on the About screen (F2); the list needs the room.
        status = (
            f"{len(entries)} entries, newest first (journal.jsonl in the data folder)"
            if entries
            else "Nothing has been done with this product yet."
        )
        self.query_one("#journal-status", Static).update(status)
        table = self.query_one("#journal", DataTable)
        table.clear()
        for index, entry in enumerate(entries):
            outcome = Text(entry.outcome, style=OUTCOME_STYLES.get(entry.outcome, ""))
            table.add_row(
                f"{entry.at:%Y-%m-%d %H:%M}",
                outcome,
                entry.action,
                trainee_of(entry),
                entry.operator,
                one_line(entry.summary, 200),
                key=str(index),
            )
        self._show_detail()

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
        text = Text()
        for label, value in entry_lines(entry):
            text.append(f"{label:>8} ", style="bold")
            text.append(f"{value}\n")
        target.update(text)

    def action_show_entry(self) -> None:
        entry = self.current()
        if entry is None:
            self.notify("No entry is highlighted.", severity="warning")
            return
        body = json.dumps(entry.to_json(), indent=2, ensure_ascii=False, default=str)
        self.app.push_screen(TextModal(f"Journal entry: {entry.action}", body))

    def action_export(self) -> None:
        export_table(self, self.query_one("#journal", DataTable), "journal")


def trainee_of(entry: Any) -> str:
    """Who an entry is about, as the list shows it: the slug when the journal
    kept one, else the trainee ids (a job action may touch several)."""
    target = entry.target if isinstance(entry.target, dict) else {}
    if target.get("slug"):
        return str(target["slug"])
    if target.get("trainee_id") is not None:
        return f"trainee {target['trainee_id']}"
    ids = target.get("trainee_ids") or []
    if ids:
        more = f" +{len(ids) - 1}" if len(ids) > 1 else ""
        return f"trainee {ids[0]}{more}"
    return "-"


def entry_lines(entry: Any) -> list[tuple[str, str]]:
    target = ", ".join(f"{key} {value}" for key, value in entry.target.items())
    lines = [
        ("When", f"{entry.at:%Y-%m-%d %H:%M:%S} UTC by {entry.operator}"),
        ("Action", f"{entry.action}: {entry.outcome}"),
        ("Target", target or "-"),
        ("Summary", entry.summary),
        ("Comment", entry.comment or "-"),
    ]
    left = entry.detail.get("left_to_do") if isinstance(entry.detail, dict) else None
    if left:
        lines.append(("To do", "; ".join(str(item) for item in left)))
    return lines
