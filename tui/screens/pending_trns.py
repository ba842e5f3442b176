"""Pending TRNs: trainees submitted for a TRN, how long they have waited, and what
their RetrieveTrnJob polling is doing (scheduled, retrying, dead, or nothing)."""

from __future__ import annotations

from typing import Any

from tui.export_flow import export_pending_trns
from tui.screens.monitor import MonitorScreen
from tui.views.text import day_text


class PendingTrnsScreen(MonitorScreen):
    SCREEN_TITLE = "Pending TRNs"
    HELP = (
        "Trainees in 'submitted for TRN', longest wait first, with their TRN "
        "request and what Sidekiq is doing about it. A trainee whose polling "
        "timed out (4 days after submission, 10 in October) with no live "
        "RetrieveTrnJob is marked TIMED OUT. 'c' asks DQT whether the TRN is "
        "there now; the fixes record it, restart polling or re-register."
    )
    LOADING = "Reading trainees waiting for a TRN…"
    EMPTY = "No trainee is waiting for a TRN."
    COLUMNS = [
        ("Trainee", "name", 20),
        ("Days", "days", 4),
        ("Request", "request", 9),
        ("Polling", "polling", 40),
        ("Slug", "slug", 10),
    ]

    def read_rows(self) -> list[Any]:
        from services.monitors import pending_trns

        app = self.triage
        with app.connections.engine.connect() as conn:
            return pending_trns(conn, app.connections.redis, today=app.today())

    def cells(self, row: Any) -> tuple[Any, ...]:
        situation = ("TIMED OUT: " if row.timed_out else "") + row.situation
        days = "" if row.days_waiting is None else str(row.days_waiting)
        return (
            row.trainee.short_name,
            days,
            row.request_state_label,
            situation,
            row.trainee.slug,
        )

    def status_line(self, rows: list[Any]) -> str:
        stuck = sum(1 for row in rows if row.timed_out)
        return f"{len(rows)} waiting for a TRN, {stuck} with polling timed out"

    def situation(self, row: Any) -> list[tuple[str, str]]:
        lines = [
            ("Submitted", day_text(row.trainee.submitted_for_trn_at)),
            ("Request", f"{row.request_state_label} {row.request_uuid or ''}".strip()),
            ("Polling", row.situation),
            ("Gives up", day_text(row.timeout_date)),
        ]
        if row.request_error:
            lines.append(("Error", row.request_error))
        return lines

    async def check(self, client: Any, row: Any) -> Any:
        from services.monitors import check_trn_in_dqt

        return await check_trn_in_dqt(client, row)

    def fix_names(self, row: Any) -> list[str]:
        from services.monitors import PENDING_TRN_FIXES

        return list(PENDING_TRN_FIXES)

    def export(self) -> None:
        export_pending_trns(self)
