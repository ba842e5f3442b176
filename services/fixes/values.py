"""Trainee column values: parsing what an operator typed, showing, auditing.

A fix holds each value three ways: the raw Python value written to PostgreSQL,
the form the audited gem stores in `audited_changes` (integers for enums,
"YYYY-MM-DD" for dates, ISO with milliseconds and `Z` for datetimes) and plain
words for people ("TRN received", "not set").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from enum import IntEnum
from typing import Any

from services.register import enums

# Enum columns of `trainees` and the enum that names their integers.
ENUM_COLUMNS: dict[str, type[IntEnum]] = {
    "state": enums.TraineeState,
    "training_route": enums.TrainingRoute,
    "training_initiative": enums.TrainingInitiative,
    "sex": enums.Sex,
    "study_mode": enums.StudyMode,
    "course_education_phase": enums.CourseEducationPhase,
    "commencement_status": enums.CommencementStatus,
    "bursary_tier": enums.BursaryTier,
    "diversity_disclosure": enums.DiversityDisclosure,
    "disability_disclosure": enums.DisabilityDisclosure,
    "ethnic_group": enums.EthnicGroup,
    "withdraw_reason": enums.WithdrawReason,
}

DATE_COLUMNS = frozenset(
    {
        "date_of_birth",
        "itt_start_date",
        "itt_end_date",
        "outcome_date",
        "trainee_start_date",
        "defer_date",
        "reinstate_date",
    }
)
DATETIME_COLUMNS = frozenset(
    {
        "submitted_for_trn_at",
        "recommended_for_award_at",
        "awarded_at",
        "withdraw_date",
        "discarded_at",
        "updated_at",
        "created_at",
    }
)

# Dates of birth outside this many years before today are surely typing errors.
MIN_AGE_YEARS = 16
MAX_AGE_YEARS = 100

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ValueProblem(ValueError):
    """A typed value the column cannot take; the message says why, for people."""


def parse_date(text: str) -> date:
    """A date typed as YYYY-MM-DD or DD/MM/YYYY; ValueProblem otherwise."""
    cleaned = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise ValueProblem(f"{text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def squish(text: str) -> str:
    """Register's `auto_strip_attributes ... squish: true`: trim, single spaces."""
    return " ".join(text.split())


def check_date_of_birth(day: date, today: date) -> None:
    if day > today:
        raise ValueProblem("a date of birth cannot be in the future")
    age = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
    if not MIN_AGE_YEARS <= age <= MAX_AGE_YEARS:
        raise ValueProblem(
            f"a date of birth giving an age of {age} is outside "
            f"{MIN_AGE_YEARS}-{MAX_AGE_YEARS} years"
        )


def check_email(text: str) -> None:
    if not _EMAIL.match(text):
        raise ValueProblem(f"{text!r} is not an email address")


def midnight_utc(day: date) -> datetime:
    """A date from DQT stored in a Rails datetime column (naive, UTC)."""
    return datetime.combine(day, time(0, 0))


def audit_value(column: str, value: Any) -> Any:
    """The value as the audited gem stores it in `audited_changes`."""
    if value is None:
        return None
    if column in ENUM_COLUMNS:
        member = enums.coerce(ENUM_COLUMNS[column], value)
        return int(member) if member is not None else value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def display_value(column: str, value: Any) -> str:
    """Plain words for a column value."""
    if column in ENUM_COLUMNS:
        return enums.label(ENUM_COLUMNS[column], value)
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if value == "":
        return "(empty)"
    return str(value)
