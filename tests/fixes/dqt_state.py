"""DQT simulator states that match (or deliberately do not match) test trainees."""

from __future__ import annotations

from datetime import date
from typing import Any

from dqt.simulator.state import (
    ApiKey,
    IttRecord,
    Organisation,
    SimulatorState,
    Teacher,
)
from tests.fixes.helpers import PROVIDER_UKPRN

API_KEY = "test-api-key"

# The Register side of a trainee that the teacher below matches.
MATCHING_TRAINEE: dict[str, Any] = {
    "first_names": "Ada",
    "last_name": "Fenwick",
    "date_of_birth": date(1994, 3, 7),
    "training_route": 1,
    "itt_start_date": date(2022, 9, 1),
    "itt_end_date": date(2023, 7, 31),
    "trn": "2345670",
}


def teacher(**overrides: Any) -> Teacher:
    values: dict[str, Any] = {
        "trn": "2345670",
        "first_name": "Ada",
        "last_name": "Fenwick",
        "date_of_birth": date(1994, 3, 7),
        "itt": [
            IttRecord(
                provider_ukprn=PROVIDER_UKPRN,
                programme_type="ProviderLedPostgrad",
                programme_start_date=date(2022, 9, 1),
                programme_end_date=date(2023, 7, 31),
                result=overrides.pop("result", "InTraining"),
            )
        ],
    }
    values.update(overrides)
    return Teacher(**values)


def state(*teachers: Teacher) -> SimulatorState:
    return SimulatorState(
        api_keys=[ApiKey(key=API_KEY, client="register")],
        organisations=[Organisation(ukprn=PROVIDER_UKPRN, name="Synthetic TTP")],
        teachers=list(teachers),
    )
