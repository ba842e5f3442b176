"""`triage dqt-sim`: serves the state file on loopback and saves writes back to it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from dqt.simulator.state import Organisation, SimulatorState, load_state, save_state

START_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dqt-sim exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail("dqt-sim did not start listening")


def test_command_serves_and_saves_the_state(tmp_path: Path) -> None:
    state_file = tmp_path / "dqt.json"
    save_state(
        SimulatorState(organisations=[Organisation(ukprn="1", name="P")]), state_file
    )
    port = _free_port()
    environment = dict(os.environ, TRIAGE_DATA_DIR=str(tmp_path / "data"))
    command = [
        sys.executable, "-m", "triage.cli", "dqt-sim", "--port", str(port),
        "--state", str(state_file), "--api-key", "cli-key",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, env=environment)
    try:
        _wait_for(port, process)
        headers = {"Authorization": "Bearer cli-key"}
        url = f"http://127.0.0.1:{port}"
        unknown = httpx.get(f"{url}/v2/trn-requests/nope", headers=headers)
        no_key = httpx.get(f"{url}/v2/trn-requests/nope")
        created = httpx.put(
            f"{url}/v2/trn-requests/r-1",
            headers=headers,
            json={
                "firstName": "Ada",
                "lastName": "Lovelace",
                "birthDate": "1990-01-31",
                "initialTeacherTraining": {
                    "providerUkprn": "1",
                    "programmeType": "HEI",
                    "programmeStartDate": "2024-09-01",
                    "programmeEndDate": "2025-07-31",
                },
            },
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)

    assert (unknown.status_code, no_key.status_code) == (404, 401)
    assert created.status_code == 201
    saved = load_state(state_file)
    assert saved.client_for_key("cli-key") == "register"
    assert [r.request_id for r in saved.trn_requests] == ["r-1"]
    assert saved.teachers[0].trn == created.json()["trn"]


def test_command_reports_an_unreadable_state_file(
    run_triage: Any, tmp_path: Path
) -> None:
    state_file = tmp_path / "broken.json"
    state_file.write_text("{not json")

    result = run_triage(
        "dqt-sim", "--port", str(_free_port()), "--state", str(state_file)
    )

    assert result.returncode == 1
    assert "cannot read DQT simulator state" in result.stderr
    assert "broken.json" in result.stderr
