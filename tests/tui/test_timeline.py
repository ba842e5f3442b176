"""The trainee's audit timeline: each event with its details and comment."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from tests.tui.conftest import settle


async def test_a_comment_of_several_lines_keeps_its_lines(make_app: Any) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.trainee import TraineeScreen

    fifi = PLAYBOOK_TRAINEES["dqt_500_on_update"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *fifi.name.split()[-1].lower(), "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        # A retry's audit comment: the operator's line, then one per job step.
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"DQT is back", "ctrl+y")
        await settle(pilot)

        app.push_screen(TraineeScreen(fifi.trainee_id))
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        timeline = app.screen.query_one("#timeline-text", Static).render()
        lines = timeline.plain.splitlines()
        comment = lines.index("    comment: DQT is back")
        assert lines[comment + 1].startswith("             register-triage: retried ")
