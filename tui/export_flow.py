"""Export from any list to a file, with the path shown afterwards.

The failed jobs, pending TRNs and pending awards go through the export service
(support's columns, streamed, never the whole set in memory). Any other list
(search results, the journal) is written as the table shows it. Files go to
`<data folder>/exports/`, named after the list and the time.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.widgets import DataTable

from tui.failures import explain

if TYPE_CHECKING:
    from tui.screens.base import TriageScreen

log = logging.getLogger(__name__)


def export_path(screen: TriageScreen, name: str, suffix: str = "csv") -> Path:
    stamp = screen.triage.now().strftime("%Y%m%d-%H%M%S")
    folder = screen.triage.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{stamp}.{suffix}"


def _run(
    screen: TriageScreen, what: str, write: Callable[[Path], int], path: Path
) -> None:
    """Write in a thread worker; a toast with the row count and path afterwards."""
    app = screen.triage
    app.notify(f"Exporting {what}…", timeout=2)

    def work() -> None:
        try:
            count = write(path)
        except Exception as error:  # noqa: BLE001 - shown as a toast
            service, detail = explain(error, f"exporting {what}")
            app.call_from_thread(
                app.notify,
                f"{service}: {detail}",
                title="Export failed",
                severity="error",
            )
            return
        log.info("exported %s: %d rows to %s", what, count, path)
        app.call_from_thread(
            app.notify,
            f"{count:,} rows written to\n{path}",
            title="Exported",
            timeout=15,
        )

    screen.run_worker(work, thread=True, group="export", exclusive=True)


def _service_export(
    screen: TriageScreen, what: str, case: str | None = None
) -> Callable[[Path], int]:
    def write(path: Path) -> int:
        from services.export import ExportRequest, export_to_file

        app = screen.triage
        request = ExportRequest(what, case=case)  # type: ignore[arg-type]
        request.check()
        result = export_to_file(
            app.connections.engine,
            app.connections.redis,
            request,
            path,
            today=app.today(),
        )
        return result.rows

    return write


def export_failed_jobs(screen: TriageScreen, case: str | None) -> None:
    name = f"failed-jobs-{case}" if case else "failed-jobs"
    _run(
        screen,
        "failed jobs",
        _service_export(screen, "failed-jobs", case=case),
        export_path(screen, name),
    )


def export_pending_trns(screen: TriageScreen) -> None:
    _run(
        screen,
        "pending TRNs",
        _service_export(screen, "pending-trns"),
        export_path(screen, "pending-trns"),
    )


def export_pending_awards(screen: TriageScreen) -> None:
    _run(
        screen,
        "pending awards",
        _service_export(screen, "pending-awards"),
        export_path(screen, "pending-awards"),
    )


def export_table(screen: TriageScreen, table: DataTable[Any], name: str) -> None:
    """The table's rows as shown (header included), for lists without a service."""
    header = [str(column.label) for column in table.ordered_columns]
    rows = [
        [str(cell) for cell in table.get_row_at(index)]
        for index in range(table.row_count)
    ]

    def write(path: Path) -> int:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        return len(rows)

    _run(screen, name, write, export_path(screen, name))
