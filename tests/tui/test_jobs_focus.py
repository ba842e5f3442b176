"""After a fix on the failed-jobs list the list reads again, and the focus stays
on the jobs table when it was there: up and down keep moving through the jobs."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import settle


async def test_the_jobs_table_keeps_the_focus_after_a_delete(make_app: Any) -> None:
    from textual.widgets import DataTable

    from tui.screens.failed_jobs import FailedJobsScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        jobs = app.screen
        assert isinstance(jobs, FailedJobsScreen)
        table = jobs.query_one("#jobs", DataTable)
        assert table.has_focus
        before = len(jobs.shown)

        await pilot.press("d")
        await settle(pilot)
        await pilot.press(*"gone for good", "ctrl+y")
        await settle(pilot)

        assert app.screen is jobs
        assert len(jobs.shown) == before - 1
        assert table.has_focus
        await pilot.press("down")
        assert table.cursor_row == 1


async def test_the_jobs_table_keeps_the_focus_after_ctrl_r(make_app: Any) -> None:
    from textual.widgets import DataTable

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#jobs", DataTable)
        await pilot.press("down", "ctrl+r")
        await settle(pilot)
        assert table.has_focus
        assert table.cursor_row == 1


async def test_a_filter_matching_nothing_says_so(make_app: Any) -> None:
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zzqq", "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.screen.shown == []
        detail = str(app.screen.query_one("#job-detail-text", Static).render())
        assert detail.startswith("No job matches “zzqq”.")
