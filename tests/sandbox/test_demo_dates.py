"""The demo's dates follow a course: a recommendation never comes before its start."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from sandbox.demo import seed_demo


@pytest.mark.parametrize("today", [date(2025, 3, 12), date(2026, 12, 4)])
def test_recommended_and_awarded_trainees_were_recommended_after_their_start(
    engine: Any, redis_client: Any, today: date
) -> None:
    seed_demo(engine, redis_client, today=today)
    with engine.connect() as connection:
        early = connection.execute(
            text(
                "SELECT id, itt_start_date, recommended_for_award_at FROM trainees "
                "WHERE recommended_for_award_at IS NOT NULL "
                "AND recommended_for_award_at::date < itt_start_date"
            )
        ).all()
        recommended = connection.execute(
            text(
                "SELECT count(*) FROM trainees "
                "WHERE recommended_for_award_at IS NOT NULL"
            )
        ).scalar()

    assert recommended
    assert early == []
