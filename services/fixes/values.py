"""Trainee column values: parsing what an operator typed, and showing values.

A fix holds the raw Python value written to PostgreSQL and shows it in plain
words ("TRN received", "not set"). The audit form (integers for enums, Rails'
date and time text) is `services.register.audits`' job.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from services.register import enums
from services.register.audits import TRAINEE_ENUM_COLUMNS

# Enum columns of `trainees` and the enum that names their integers.
ENUM_COLUMNS = TRAINEE_ENUM_COLUMNS

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
