"""A list read again keeps the same row highlighted (by job or trainee, not by
position) while that row is still listed; a new search starts at its top."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input

from tests.tui.conftest import FIXED_NOW, OPERATOR, settle


async def test_failed_jobs_keep_the_job_when_jobs_above_it_go(make_app: Any) -> None:
    from services.sidekiq.actions import JobActions

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#jobs", DataTable)
        table.move_cursor(row=4)
        await pilot.pause()
        chosen = screen.current_row().job.jid
        above = screen.shown[0].job

        # Another operator deletes the first job; this list reads again.
        JobActions(
            app.connections.redis,
            writes_enabled=True,
            operator=OPERATOR,
            journal=None,
            clock=FIXED_NOW.timestamp,
        ).delete([above], reason="gone elsewhere")
        await pilot.press("ctrl+r")
        await settle(pilot)

        assert above.jid not in [row.job.jid for row in screen.shown]
        assert table.cursor_row == 3
        assert screen.current_row().job.jid == chosen


async def test_failed_jobs_keep_the_job_when_narrowed_to_its_case(
    make_app: Any,
) -> None:
    from textual.widgets import OptionList

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#jobs", DataTable)
        table.move_cursor(row=6)
        await pilot.pause()
        chosen = screen.current_row()

        cases = screen.query_one("#cases", OptionList)
        keys = [case.key for case in screen.data.cases]
        cases.highlighted = keys.index(chosen.classification.key)
        await settle(pilot)

        assert len(screen.shown) < len(screen.data.rows)
        assert screen.current_row().job.jid == chosen.job.jid


async def test_pending_trns_keep_the_trainee_on_reload(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#monitor", DataTable)
        table.move_cursor(row=5)
        await pilot.pause()
        chosen = screen.current().trainee.id

        await pilot.press("ctrl+r")
        await settle(pilot)

        assert table.cursor_row == 5
        assert screen.current().trainee.id == chosen


async def test_search_keeps_the_trainee_on_reload_not_on_a_new_search(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", *"19910001")
        await pilot.pause(0.4)
        await settle(pilot)
        screen = app.screen
        assert len(screen.rows) > 3
        await pilot.press("down", "down", "down")  # into the results, third row
        table = screen.query_one("#search-results", DataTable)
        chosen = screen.rows[table.cursor_row].trainee_id
        assert table.cursor_row > 0

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.rows[table.cursor_row].trainee_id == chosen

        # Another search, even one that still lists that trainee, starts at its top.
        box = screen.query_one("#search-query", Input)
        box.value = "provider:19910001"
        await pilot.pause(0.4)
        await settle(pilot)
        assert chosen in [row.trainee_id for row in screen.rows]
        assert table.cursor_row == 0
