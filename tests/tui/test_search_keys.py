"""Trainee search from the keyboard: enter in the box opens the first result,
escape clears the box and, when it is empty, goes back to the failed jobs."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from tests.tui.conftest import settle


async def test_enter_in_the_box_opens_the_first_result(make_app: Any) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.trainee import TraineeScreen

    delia = PLAYBOOK_TRAINEES["teacher_not_found_dob_mismatch"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        # Enter straight after typing: the search has not even started yet.
        await pilot.press(*delia.name.split()[-1].lower(), "enter")
        await pilot.pause(0.4)
        await settle(pilot)
        assert isinstance(app.screen, TraineeScreen)
        assert app.screen.trainee_id == delia.trainee_id


async def test_escape_clears_then_goes_back(make_app: Any) -> None:
    from tui.screens.failed_jobs import FailedJobsScreen
    from tui.screens.trainee_search import TraineeSearchScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", *"race")
        await pilot.pause(0.4)
        await settle(pilot)
        search = app.screen
        assert isinstance(search, TraineeSearchScreen)
        assert search.rows

        await pilot.press("escape")
        await settle(pilot)
        box = search.query_one("#search-query", Input)
        assert app.screen is search
        assert box.value == ""
        assert box.has_focus
        assert search.rows == []

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FailedJobsScreen)
