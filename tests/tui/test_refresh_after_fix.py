"""After a fix the lists that show what changed read again: the failed-jobs
list under the trainee screen, and the header's dead-set figure with it."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import settle


async def test_failed_jobs_list_reads_again_after_a_fix_on_the_trainee(
    make_app: Any,
) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.failed_jobs import FailedJobsScreen
    from tui.screens.trainee import TraineeScreen

    fifi = PLAYBOOK_TRAINEES["dqt_500_on_update"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        jobs = app.screen
        assert isinstance(jobs, FailedJobsScreen)
        await pilot.press("slash", *fifi.name.split()[-1].lower(), "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        assert [row.trainee.trainee_id for row in jobs.shown] == [fifi.trainee_id]

        await pilot.press("enter")  # the trainee
        await settle(pilot)
        assert isinstance(app.screen, TraineeScreen)
        await pilot.press("r")  # retry its one job, from the trainee screen
        await settle(pilot)
        await pilot.press(*"DQT is fine now", "ctrl+y")
        await settle(pilot)
        await pilot.press("escape")  # back to the list, which reads again
        await settle(pilot)

        assert app.screen is jobs
        assert jobs.shown == []
        dead = sum(1 for row in jobs.data.rows if row.job.where == "dead")
        assert app.dead_health.startswith(f"dead {dead:,}/")


async def test_reload_is_in_the_footer_of_the_failed_jobs_list(
    make_app: Any,
) -> None:
    from textual.widgets import Footer

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        keys = [item.key for item in footer.query("FooterKey")]
        assert "ctrl+r" in keys
