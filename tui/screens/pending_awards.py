"""Pending awards: trainees recommended for award, oldest first, with their
RecommendForAwardJob's status and, on demand, what DQT shows."""

from __future__ import annotations

from typing import Any

from tui.export_flow import export_pending_awards
from tui.screens.monitor import MonitorScreen
from tui.views.text import day_text


class PendingAwardsScreen(MonitorScreen):
    SCREEN_TITLE = "Pending awards"
    HELP = (
        "Trainees in 'recommended for award', oldest recommendation first, with "
        "their RecommendForAwardJob (queued, scheduled, retrying, dead or none). "
        "'c' asks DQT whether the QTS/EYTS date is there: if DQT has awarded and "
        "the rest matches, 'award on Register' finishes the job; else re-run it."
    )
    LOADING = "Reading trainees recommended for award…"
    EMPTY = "No trainee is waiting for an award."
    COLUMNS = [
        ("Trainee", "name", 20),
        ("Days", "days", 4),
        ("Job", "job", 9),
        ("Award", "award", 5),
        ("TRN", "trn", 7),
        ("Situation", "situation", None),
    ]

    def read_rows(self) -> list[Any]:
        from services.monitors import pending_awards

        app = self.triage
        with app.connections.engine.connect() as conn:
            return pending_awards(conn, app.connections.redis, today=app.today())

    def cells(self, row: Any) -> tuple[Any, ...]:
        days = "" if row.days_waiting is None else str(row.days_waiting)
        return (
            row.trainee.short_name,
            days,
            row.activity.status,
            row.award_type,
            row.trainee.trn or "",
            row.situation,
        )

    def status_line(self, rows: list[Any]) -> str:
        dead = sum(1 for row in rows if row.activity.status == "dead")
        none = sum(1 for row in rows if row.activity.status == "none")
        return (
            f"{len(rows)} recommended for award: {dead} with a dead job, "
            f"{none} with none"
        )

    def situation(self, row: Any) -> list[tuple[str, str]]:
        return [
            ("Recommended", day_text(row.trainee.recommended_for_award_at)),
            ("Job", row.situation),
        ]

    async def check(self, client: Any, row: Any) -> Any:
        from services.monitors import check_award_in_dqt

        return await check_award_in_dqt(client, row.trainee)

    def fix_names(self, row: Any) -> list[str]:
        from services.monitors import PENDING_AWARD_FIXES

        return list(PENDING_AWARD_FIXES)

    def fix_plan(self, name: str, row: Any) -> tuple[str, dict[str, str]]:
        # Re-running acts on the award job itself: name it.
        current = row.activity.current
        if name in ("retry", "delete_job") and current is not None and current.jid:
            return str(row.trainee.id), {"jid": current.jid}
        return str(row.trainee.id), {}

    def export(self) -> None:
        export_pending_awards(self)
