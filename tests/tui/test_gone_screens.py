"""A screen closed while it is still reading: what the read brings back is
dropped, and the app keeps running."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import settle


async def test_stacked_trainees_closed_after_a_fix_do_not_stop_the_app(
    make_app: Any,
) -> None:
    """Two trainees open one on the other, a fix on the top one, then `j`: the
    trainee below reads itself again as it is shown and is closed at once."""
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.failed_jobs import FailedJobsScreen
    from tui.screens.trainee import TraineeScreen

    fifi = PLAYBOOK_TRAINEES["dqt_500_on_update"]
    ruth = PLAYBOOK_TRAINEES["change_route"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(TraineeScreen(ruth.trainee_id))
        await settle(pilot)
        below = app.screen
        app.push_screen(TraineeScreen(fifi.trainee_id))
        await settle(pilot)

        await pilot.press("r")  # retry fifi's job
        await settle(pilot)
        await pilot.press(*"DQT is fine now", "ctrl+y")
        await settle(pilot)
        assert app.writes_done == 1

        await pilot.press("j")
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, FailedJobsScreen)
        assert not below.is_attached

        # And again, with the screen below still reading when it is closed.
        app.push_screen(TraineeScreen(ruth.trainee_id))
        await settle(pilot)
        app.push_screen(TraineeScreen(fifi.trainee_id))
        await settle(pilot)
        app.data_changed()
        app.pop_screen()
        app.pop_screen()
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, FailedJobsScreen)
    assert app.return_code in (None, 0)


async def test_trainee_closed_while_its_fix_is_written(
    make_app: Any, demo: Any
) -> None:
    """The write goes through once the screen is closed and is announced; the
    closed screen is not read again."""
    from sqlalchemy import text

    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.failed_jobs import FailedJobsScreen
    from tui.screens.trainee import TraineeScreen

    ruth = PLAYBOOK_TRAINEES["change_route"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(TraineeScreen(ruth.trainee_id))
        await settle(pilot)
        trainee = app.screen
        trainee.fixes.start(
            "edit_field",
            str(ruth.trainee_id),
            {"field": "email", "value": "ruth@example.org", "clear": "no"},
        )
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)

        # The apply waits for the trainee's row, held here, while the screen
        # it came from is closed.
        with demo.engine.connect() as holder:
            holder.execute(
                text("SELECT id FROM trainees WHERE id = :id FOR UPDATE"),
                {"id": ruth.trainee_id},
            )
            await pilot.press(*"New address", "ctrl+y")
            await pilot.pause(0.3)
            app.pop_screen()
            await pilot.pause(0.3)
            assert app.screen is not trainee
            holder.rollback()
        # The worker went with its screen; its thread goes on to the end.
        for _ in range(50):
            if app.writes_done:
                break
            await pilot.pause(0.1)
        await settle(pilot)

        assert app.is_running
        assert isinstance(app.screen, FailedJobsScreen)
        assert app.writes_done == 1

    with demo.engine.connect() as connection:
        email = connection.execute(
            text("SELECT email FROM trainees WHERE id = :id"),
            {"id": ruth.trainee_id},
        ).scalar_one()
    assert email == "ruth@example.org"
