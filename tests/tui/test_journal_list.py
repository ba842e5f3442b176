"""The journal's list says which trainee each action was about."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from tests.tui.conftest import settle


async def test_journal_row_names_the_trainee_of_a_fix(make_app: Any) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.journal import JournalScreen

    fifi = PLAYBOOK_TRAINEES["dqt_500_on_update"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *fifi.name.split()[-1].lower(), "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"DQT is back", "ctrl+y")
        await settle(pilot)

        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
        table = app.screen.query_one("#journal", DataTable)
        newest = table.get_row_at(0)
        assert str(newest[2]) == "fix:retry"
        assert str(newest[3]) == fifi.slug
