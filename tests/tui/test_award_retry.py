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


async def _choose(pilot: Any, fix_name: str) -> None:
    """f on the trainee screen, then `fix_name` from the fixes on offer."""
    from tui.screens.choose import ChooseScreen

    await pilot.press("f")
    await settle(pilot)
    chooser = pilot.app.screen
    assert isinstance(chooser, ChooseScreen)
    ids = [choice_id for choice_id, _title, _help in chooser.choices]
    assert fix_name in ids
    await pilot.press(*["down"] * ids.index(fix_name), "enter")
    await settle(pilot)


async def test_ordered_retry_is_chosen_twice_to_release_the_award(
    make_app: Any, demo: Any
) -> None:
    """Chosen once it re-runs the update (no forced-retry warning); chosen again
    once the update went through, it releases the award: no step to type."""
    import json

    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.trainee import TraineeScreen

    bea = PLAYBOOK_TRAINEES["update_and_award_failed"]
    before = set(demo.redis.lrange("queue:dqt", 0, -1))

    def pushed() -> list[bytes]:
        return [i for i in demo.redis.lrange("queue:dqt", 0, -1) if i not in before]

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(TraineeScreen(bea.trainee_id))
        await settle(pilot)

        await _choose(pilot, "ordered_retry")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.summary.blocked is None
        assert not any("retried with force" in w for w in confirm.summary.warnings)
        afterwards = dict(confirm.summary.sections)["Afterwards"]
        assert any("'Re-run update then award'" in line for line in afterwards)
        await _type(pilot, "update first, Zendesk 9")
        await pilot.press("ctrl+y")
        await settle(pilot)

        (update,) = pushed()
        assert json.loads(update)["wrapped"] == "Dqt::UpdateTraineeJob"
        # A worker takes the update and it goes through.
        demo.redis.lrem("queue:dqt", 1, update)

        await _choose(pilot, "ordered_retry")
        release = app.screen
        assert isinstance(release, ConfirmScreen)
        assert release.summary.blocked is None
        assert "release the award job(s)" in release.summary.title
        await _type(pilot, "update went through")
        await pilot.press("ctrl+y")
        await settle(pilot)

        assert [json.loads(item)["wrapped"] for item in pushed()] == [AWARD_JOB]
