"""The monitors on the sandbox's demo data (Register rows, Sidekiq, DQT together)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from dqt.client import DqtClient
from dqt.simulator.state import ApiKey
from sandbox.demo import PLAYBOOK_TRAINEES, demo_simulator_state, seed_demo
from services import monitors
from services.watch import watch_conditions

TODAY = date(2026, 12, 4)


@pytest.fixture
def demo(engine: Any, redis_client: Any) -> None:
    seed_demo(engine, redis_client, today=TODAY)


def trainee_id(case: str) -> int:
    return int(PLAYBOOK_TRAINEES[case].trainee_id)


def test_timed_out_polling_finds_the_playbook_trainee(
    engine: Any, redis_client: Any, demo: None
) -> None:
    with engine.connect() as conn:
        rows = {
            r.trainee.id: r
            for r in monitors.pending_trns(conn, redis_client, today=TODAY)
        }
        stuck = monitors.timed_out_polling(conn, redis_client, today=TODAY)

    timed_out = rows[trainee_id("retrieve_trn_timeout")]
    assert timed_out.activity.status == "dead"
    assert timed_out.timed_out is True
    assert "has timed out" in (timed_out.activity.error or "")
    assert timed_out.trainee.id in {row.trainee.id for row in stuck}

    # Every timed-out row is past its deadline with nothing live polling.
    for row in stuck:
        assert row.deadline is not None and row.deadline.date() <= TODAY
        assert not row.activity.is_live


def test_pending_award_stuck_by_10005_and_dqt_shows_the_award(
    engine: Any, redis_client: Any, demo: None, make_simulator: Any
) -> None:
    with engine.connect() as conn:
        awards = monitors.pending_awards(conn, redis_client, today=TODAY)
    by_id = {row.trainee.id: row for row in awards}
    stuck = by_id[trainee_id("no_incomplete_itt_award")]
    assert stuck.activity.status == "dead"
    assert "10005" in stuck.situation

    recommended = [row.trainee.recommended_for_award_at for row in awards]
    assert recommended == sorted(recommended)

    key = "demo-monitor-key"
    state = demo_simulator_state(TODAY)
    state.api_keys.append(ApiKey(key=key, client="register"))
    simulator = make_simulator(state)

    async def ask() -> monitors.DqtCheck:
        async with DqtClient(simulator.url, key) as client:
            return await monitors.check_award_in_dqt(client, stuck.trainee)

    check = asyncio.run(ask())
    assert check.outcome == "awarded"
    assert check.qts_date is not None


def test_watch_on_the_demo(engine: Any, redis_client: Any, demo: None) -> None:
    with engine.connect() as conn:
        found = {c.key: c for c in watch_conditions(conn, redis_client, today=TODAY)}
        stuck = monitors.timed_out_polling(conn, redis_client, today=TODAY)
    assert found["dead_jobs[retrieve_trn_timeout]"].count >= 1
    assert found["dead_jobs[no_incomplete_itt_award]"].count == 1
    assert found["timed_out_polling"].count == len(stuck)
    assert found["timed_out_polling"].examples == tuple(
        row.trainee.slug for row in stuck[:5]
    )
