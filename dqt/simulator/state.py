"""The DQT simulator's state: what the simulated DQT holds, and its JSON file.

The state is plain data; `dqt.simulator.rules` applies the API's rules to it. Field
names are snake_case in Python and in the JSON file (the API's camelCase exists only
on the wire). Dates are `yyyy-mm-dd`. The file looks like this (every list may be
empty, every member not shown has a default):

    {
      "api_keys": [{"key": "register-key", "client": "register"}],
      "organisations": [
        {"ukprn": "10000001", "name": "Example SCITT",
         "is_training_provider": true, "active": true}
      ],
      "teachers": [
        {"uid": "3f0c…", "trn": "1234567", "first_name": "Ada", "middle_name": null,
         "last_name": "Lovelace", "date_of_birth": "1990-01-31",
         "email_address": "ada@example.com", "national_insurance_number": "QQ123456C",
         "gender_code": "Female", "active": true, "slug_id": "abc123", "hus_id": null,
         "qts_date": null, "eyts_date": null, "allow_pii_updates": true,
         "has_active_sanctions": false,
         "qts_registrations": [{"teacher_status": 211, "early_years_status": null}],
         "itt": [{"provider_ukprn": "10000001", "programme_type": "HEI",
                  "programme_start_date": "2023-09-01",
                  "programme_end_date": "2024-07-31", "result": "InTraining",
                  "active": true, "slug_id": "abc123", "hus_id": null,
                  "subjects": ["100425"], "age_range_from": 11, "age_range_to": 16,
                  "itt_qualification_type": "PostgraduateCertificateInEducation",
                  "itt_qualification_aim": null, "training_country_code": null}],
         "qualifications": [{"provider_ukprn": "10000002", "country_code": "XK",
                             "subject": "100425", "class_division": "FirstClassHonours",
                             "date": "2022-01-01", "he_qualification_type": null}]}
      ],
      "trn_requests": [
        {"client": "register", "request_id": "6a1c…", "teacher_uid": "3f0c…",
         "slug_id": "abc123", "created_at": "2024-05-01T10:00:00Z"}
      ],
      "next_trn": 3000001
    }

A TRN request points at the teacher record it created (`teacher_uid`); its status is
`Completed` once that teacher has a TRN and `Pending` until then, as in DQT. QTS
registration statuses are DQT's codes: 211 trainee teacher, 212 assessment-only
candidate, 220 early-years trainee, 71/90/100 qualified (QTS), 221 EYTS.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
import uuid
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

# DQT status codes on a QTS registration row.
TRAINEE_TEACHER = 211
ASSESSMENT_ONLY_CANDIDATE = 212
EARLY_YEARS_TRAINEE = 220
EYTS_AWARDED = 221
QTS_TRAINED = 71
QTS_ASSESSMENT_ONLY = 100
QTS_INTERNATIONAL = 90
QTS_STATUSES = frozenset({QTS_TRAINED, QTS_ASSESSMENT_ONLY, QTS_INTERNATIONAL})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ApiKey(_Model):
    key: str
    client: str


class Organisation(_Model):
    ukprn: str
    name: str
    is_training_provider: bool = True
    active: bool = True


class QtsRegistration(_Model):
    """One QTS registration row; `None` statuses are empty (e.g. after a withdrawal)."""

    teacher_status: int | None = None
    early_years_status: int | None = None


class IttRecord(_Model):
    provider_ukprn: str | None = None
    programme_type: str | None = None
    programme_start_date: dt.date | None = None
    programme_end_date: dt.date | None = None
    result: str | None = "InTraining"
    active: bool = True
    slug_id: str | None = None
    hus_id: str | None = None
    subjects: list[str] = Field(default_factory=list)
    age_range_from: int | None = None
    age_range_to: int | None = None
    itt_qualification_type: str | None = None
    itt_qualification_aim: str | None = None
    training_country_code: str | None = None


class Qualification(_Model):
    provider_ukprn: str | None = None
    country_code: str | None = None
    subject: str | None = None
    subject2: str | None = None
    subject3: str | None = None
    class_division: str | None = None
    date: dt.date | None = None
    he_qualification_type: str | None = None


class Teacher(_Model):
    uid: str = Field(default_factory=lambda: str(uuid.uuid4()))
    trn: str | None = None
    first_name: str
    middle_name: str | None = None
    last_name: str
    date_of_birth: dt.date
    email_address: str | None = None
    national_insurance_number: str | None = None
    gender_code: str | None = None
    active: bool = True
    slug_id: str | None = None
    hus_id: str | None = None
    qts_date: dt.date | None = None
    eyts_date: dt.date | None = None
    allow_pii_updates: bool = False
    has_active_sanctions: bool = False
    qts_registrations: list[QtsRegistration] = Field(default_factory=list)
    itt: list[IttRecord] = Field(default_factory=list)
    qualifications: list[Qualification] = Field(default_factory=list)


class TrnRequest(_Model):
    client: str
    request_id: str
    teacher_uid: str | None = None
    slug_id: str | None = None
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


class SimulatorState(_Model):
    api_keys: list[ApiKey] = Field(default_factory=list)
    organisations: list[Organisation] = Field(default_factory=list)
    teachers: list[Teacher] = Field(default_factory=list)
    trn_requests: list[TrnRequest] = Field(default_factory=list)
    # The next TRN handed out when a TRN request creates a teacher without a match.
    next_trn: int = Field(default=3000001, ge=1000000, le=9999999)

    def client_for_key(self, key: str) -> str | None:
        for api_key in self.api_keys:
            if api_key.key == key:
                return api_key.client
        return None

    def teacher_by_uid(self, uid: str) -> Teacher | None:
        return next((t for t in self.teachers if t.uid == uid), None)


def load_state(path: Path | str) -> SimulatorState:
    """Read a state file; raises `ValueError` with the file name when it is invalid."""
    path = Path(path)
    try:
        state = SimulatorState.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read DQT simulator state {path}: {error}") from error
    log.info(
        "loaded DQT simulator state from %s: %d teachers, %d organisations",
        path,
        len(state.teachers),
        len(state.organisations),
    )
    return state


def save_state(state: SimulatorState, path: Path | str) -> None:
    """Write the state atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(state.model_dump(mode="json"), indent=2, ensure_ascii=False)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
