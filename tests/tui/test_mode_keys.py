"""The list keys land on the list they name, even when a trainee was opened
on top of it before moving elsewhere."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import settle


async def test_awards_key_returns_to_the_pending_awards_list(make_app: Any) -> None:
    from tui.screens.failed_jobs import FailedJobsScreen
    from tui.screens.pending_awards import PendingAwardsScreen
    from tui.screens.trainee import TraineeScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PendingAwardsScreen)
        await pilot.press("enter")  # the first trainee waiting for an award
        await settle(pilot)
        assert isinstance(app.screen, TraineeScreen)

        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, FailedJobsScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PendingAwardsScreen)
