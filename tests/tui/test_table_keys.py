"""In the app's lists, home and end go to the first and last row."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.widgets import DataTable

from tests.tui.conftest import FIXED_NOW, OPERATOR, settle


async def _home_and_end(pilot: Any, selector: str) -> None:
    table = pilot.app.screen.query_one(selector, DataTable)
    table.focus()
    assert table.row_count > 1
    await pilot.press("end")
    assert table.cursor_row == table.row_count - 1
    assert table.scroll_x == 0
    await pilot.press("home")
    assert table.cursor_row == 0
    assert table.scroll_x == 0


def _write_journal(folder: Path, count: int) -> None:
    from services.journal import Journal, JournalEntry

    journal = Journal.in_data_dir(folder)
    for number in range(count):
        journal.append(
            JournalEntry(
                operator=OPERATOR,
                action="jobs:retry",
                outcome="applied",
                summary=f"entry {number}",
                at=FIXED_NOW - timedelta(minutes=count - number),
            )
        )


async def test_home_and_end_in_every_list(make_app: Any, data_dir: Path) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.trainee import TraineeScreen

    _write_journal(data_dir, 30)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _home_and_end(pilot, "#jobs")

        for key in ("t", "a"):
            await pilot.press(key)
            await settle(pilot)
            await _home_and_end(pilot, "#monitor")

        await pilot.press("l")
        await settle(pilot)
        await _home_and_end(pilot, "#journal")

        # Search results: "race" finds two trainees (Raceford, Racewell).
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("r", "a", "c", "e")
        await pilot.pause(0.4)
        await settle(pilot)
        await _home_and_end(pilot, "#search-results")
        app.action_go("jobs")
        await settle(pilot)

        # A trainee with two jobs: the update that failed and the award held.
        ordered = PLAYBOOK_TRAINEES["update_and_award_failed"]
        app.push_screen(TraineeScreen(ordered.trainee_id))
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await _home_and_end(pilot, "#trainee-jobs")
