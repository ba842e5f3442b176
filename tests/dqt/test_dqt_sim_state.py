"""The simulator state file: round trip and clear failures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dqt.simulator.state import (
    ApiKey,
    IttRecord,
    Organisation,
    QtsRegistration,
    SimulatorState,
    Teacher,
    TrnRequest,
    load_state,
    save_state,
)


def test_state_round_trips_through_its_file(tmp_path: Path) -> None:
    teacher = Teacher(
        trn="1234567",
        first_name="Ada",
        last_name="Lovelace",
        date_of_birth=date(1990, 1, 31),
        qts_registrations=[QtsRegistration(teacher_status=211)],
        itt=[IttRecord(provider_ukprn="10000001", programme_type="HEI")],
    )
    state = SimulatorState(
        api_keys=[ApiKey(key="k", client="register")],
        organisations=[Organisation(ukprn="10000001", name="Example SCITT")],
        teachers=[teacher],
        trn_requests=[
            TrnRequest(client="register", request_id="r1", teacher_uid=teacher.uid)
        ],
    )
    path = tmp_path / "nested" / "dqt.json"

    save_state(state, path)
    loaded = load_state(path)

    assert loaded == state
    assert loaded.client_for_key("k") == "register"
    assert loaded.teacher_by_uid(teacher.uid) == teacher
    assert loaded.teachers[0].itt[0].result == "InTraining"


def test_invalid_state_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"teachers": [{"trn": "1"}]}')

    with pytest.raises(ValueError, match="bad.json"):
        load_state(path)
