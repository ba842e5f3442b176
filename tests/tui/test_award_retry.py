"""Retrying an award job while the trainee's update job has failed too: the
retry is refused and the ordered retry is offered on the job itself."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, OptionList

from tests.tui.conftest import settle

AWARD_JOB = "Dqt::RecommendForAwardJob"


async def _type(pilot: Any, text: str) -> None:
    for character in text:
        await pilot.press("space" if character == " " else character)


async def test_retry_of_award_job_offers_the_ordered_retry_first(
    make_app: Any,
) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.choose import ChooseScreen

    bea = PLAYBOOK_TRAINEES["update_and_award_failed"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await _type(pilot, bea.name.split()[-1])
        await pilot.press("enter")
        await pilot.pause(0.3)
        await settle(pilot)

        jobs = app.screen
        award = [row.job.job_class for row in jobs.shown].index(AWARD_JOB)
        jobs.query_one("#jobs", DataTable).move_cursor(row=award)
        await settle(pilot)
        row = jobs.current_row()
        assert row.trainee.trainee_id == bea.trainee_id
        assert row.classification.case.fixes[0] == "ordered_retry"

        await pilot.press("r")
        await settle(pilot)

        assert isinstance(app.screen, ChooseScreen)
        options = app.screen.query_one("#choose-list", OptionList)
        first = options.get_option_at_index(0)
        assert first.id == "ordered_retry"
        assert "Re-run update then award" in str(first.prompt)
        toasts = [n.message for n in app._notifications]
        assert any("retrying the award alone is refused" in t for t in toasts)


async def test_escape_from_a_refused_fix_returns_to_the_fixes_on_offer(
    make_app: Any,
) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.choose import ChooseScreen
    from tui.screens.confirm import ConfirmScreen

    bea = PLAYBOOK_TRAINEES["update_and_award_failed"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *bea.name.split()[-1].lower(), "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        jobs = app.screen
        award = [row.job.job_class for row in jobs.shown].index(AWARD_JOB)
        jobs.query_one("#jobs", DataTable).move_cursor(row=award)
        await settle(pilot)

        await pilot.press("f")
        await settle(pilot)
        chooser = app.screen
        assert isinstance(chooser, ChooseScreen)
        ids = [choice_id for choice_id, _title, _help in chooser.choices]
        await pilot.press(*["down"] * ids.index("retry"), "enter")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.summary.blocked  # the update job has not gone through

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChooseScreen)
        assert [c[0] for c in app.screen.choices] == ids
