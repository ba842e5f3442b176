"""The sandbox's DQT simulator restarted on another port: the DQT pane's retry
key finds it again (the app does not keep calling the old URL)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from textual.widgets import DataTable

from tests.tui.conftest import settle


def _stop_simulator(folder: Path) -> None:
    from sandbox import lifecycle

    pid = lifecycle.status(folder).simulator_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while lifecycle.status(folder).dqt_api_url and time.monotonic() < deadline:
        time.sleep(0.05)


async def test_dqt_retry_key_finds_the_restarted_simulator(data_dir: Path) -> None:
    from sandbox import lifecycle
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from triage.config import load_settings
    from triage.runtime import connect
    from tui.app import TriageApp
    from tui.screens.trainee import TraineeScreen

    folder = data_dir / "sandbox"
    settings = load_settings(
        database_url=None, redis_url=None, dqt_api_url=None, triage_data_dir=folder
    )
    connections = connect(settings)
    delia = PLAYBOOK_TRAINEES["teacher_not_found_dob_mismatch"]
    try:
        old_url = connections.dqt_api_url
        _stop_simulator(folder)

        app = TriageApp(connections)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(TraineeScreen(delia.trainee_id))
            await settle(pilot)
            screen = app.screen
            failure = str(screen.query_one("#compare-load #load-message").render())
            assert "could not connect" in failure, failure

            await pilot.press("g")
            await settle(pilot)

            assert connections.dqt_api_url != old_url
            assert connections.dqt_api_url == lifecycle.status(folder).dqt_api_url
            table = screen.query_one("#compare", DataTable)
            fields = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
            assert "date of birth" in fields
    finally:
        connections.close()
        lifecycle.stop(folder)


async def test_a_simulator_restarted_outside_the_app_is_followed(
    data_dir: Path,
) -> None:
    """`triage sandbox env` (or a reset) restarted the simulator on another port
    while the app ran: the next comparison, and the fixes' context, use the new
    port without a retry key or a restart of the app."""
    from sandbox import lifecycle
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from triage.config import load_settings
    from triage.runtime import connect
    from tui.app import TriageApp
    from tui.screens.trainee import TraineeScreen

    folder = data_dir / "sandbox"
    settings = load_settings(
        database_url=None, redis_url=None, dqt_api_url=None, triage_data_dir=folder
    )
    connections = connect(settings)
    delia = PLAYBOOK_TRAINEES["teacher_not_found_dob_mismatch"]
    try:
        old_url = connections.dqt_api_url
        app = TriageApp(connections)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.fix_context().dqt_base_url == old_url

            _stop_simulator(folder)
            new_url = lifecycle.ensure_running(folder).dqt_api_url
            assert new_url != old_url

            app.push_screen(TraineeScreen(delia.trainee_id))
            await settle(pilot)
            table = app.screen.query_one("#compare", DataTable)
            fields = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
            assert "date of birth" in fields
            assert connections.dqt_api_url == new_url
            assert app.fix_context().dqt_base_url == new_url
    finally:
        connections.close()
        lifecycle.stop(folder)
