"""A fix's outcome toast stays short at 80x24; the journal has it in full."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import settle


async def test_long_outcome_toast_is_cut_and_points_to_the_journal(
    make_app: Any,
) -> None:
    from services.fixes.base import Outcome
    from tui.fix_flow import TOAST_CHARS, announce

    summary = "route changed to school direct salaried; " * 8
    outcome = Outcome(
        status="partial",
        fix="change_route",
        trainee_id=47,
        summary=summary,
        left_to_do=("enqueue the update job by hand",) * 6,
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        announce(app, outcome)
        await pilot.pause()
        [toast] = list(app._notifications)
        lines = toast.message.splitlines()
        assert len(lines) == 3
        assert len(lines[0]) <= TOAST_CHARS
        assert lines[1].startswith("Left to do: ")
        assert len(lines[1]) <= TOAST_CHARS + len("Left to do: ")
        assert lines[2] == "In full: Journal (l)."


async def test_short_outcome_toast_is_unchanged(make_app: Any) -> None:
    from services.fixes.base import Outcome
    from tui.fix_flow import announce

    outcome = Outcome(
        status="applied", fix="retry", trainee_id=16, summary="job retried"
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        announce(app, outcome)
        await pilot.pause()
        [toast] = list(app._notifications)
        assert toast.message == "job retried"
