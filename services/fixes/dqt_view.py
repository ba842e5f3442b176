"""What the fixes need from the Register / DQT comparison, asked during a preview.

The comparison itself (`services.comparison`) looks the trainee up as Register
would and compares field by field. This module runs it for one trainee with the
context's DQT settings and answers the fixes' questions: does DQT show the
award, what date of birth does DQT hold, do the two sides agree apart from the
award. Every DQT problem becomes words in `sentence`, never an exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.comparison import Comparison, compare_trainee_sync
from services.fixes.base import FixContext
from services.register import enums
from services.register.trainees import load_trainee

log = logging.getLogger(__name__)

AWARD_FIELDS = frozenset({"qts_date", "eyts_date"})


@dataclass(frozen=True)
class DqtView:
    """The comparison's answer, or why there is none."""

    outcome: str
    sentence: str
    calls: tuple[str, ...] = ()
    comparison: Comparison | None = None
    award_type: str = "QTS"
    difference_notes: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def found(self) -> bool:
        return self.outcome == "found"

    @property
    def award_date(self) -> date | None:
        """DQT's QTS or EYTS date for the trainee's route, if DQT holds one."""
        teacher = self.comparison.teacher if self.comparison else None
        if teacher is None:
            return None
        return teacher.eyts_date if self.award_type == "EYTS" else teacher.qts_date

    @property
    def date_of_birth(self) -> date | None:
        teacher = self.comparison.teacher if self.comparison else None
        return None if teacher is None else teacher.date_of_birth

    def differences(self, *, ignore: frozenset[str] = frozenset()) -> list[str]:
        """Worded differences, leaving out the fields named in `ignore`."""
        return [note for name, note in self.difference_notes if name not in ignore]

    def disagreement(self, *, ignore: frozenset[str] = frozenset()) -> str | None:
        """None when DQT was read and agrees with Register; else why not."""
        if not self.found:
            return f"Register and DQT could not be compared: {self.sentence}"
        differences = self.differences(ignore=ignore)
        if differences:
            return "Register and DQT differ: " + "; ".join(differences)
        return None


def compare(ctx: FixContext, row: Any) -> DqtView:
    """Compare the trainee `row` with DQT (one GET, or a search and a GET)."""
    award_type = enums.award_type(row["training_route"])
    if not ctx.dqt_base_url:
        return DqtView(
            "not_configured", "no DQT API URL is configured", (), None, award_type
        )

    with ctx.engine.connect() as conn:
        record = load_trainee(conn, trainee_id=int(row["id"]), today=ctx.today())
    if record is None:
        return DqtView(
            "no_trainee", f"trainee {row['id']} is gone", (), None, award_type
        )

    comparison = compare_trainee_sync(
        record,
        base_url=ctx.dqt_base_url,
        api_key=ctx.dqt_api_key or "",
        today=ctx.today(),
    )
    calls = _calls(comparison)
    notes = tuple(
        (item.name, f"{item.label}: {item.note or _sides(item.register, item.dqt)}")
        for item in comparison.differences
    )
    return DqtView(
        comparison.outcome,
        comparison.message,
        calls,
        comparison,
        award_type,
        notes,
    )


def _sides(register: str | None, dqt: str | None) -> str:
    return f"Register has {register or 'nothing'}, DQT has {dqt or 'nothing'}"


def _calls(comparison: Comparison) -> tuple[str, ...]:
    get = "GET /v2/teachers/{trn}?birthdate=...&includeInactive=true"
    if comparison.looked_up_by == "trn":
        return (get,) if comparison.outcome != "invalid_trn" else ()
    calls = ["GET /v2/teachers/find?firstName=&lastName=&dateOfBirth=&emailAddress="]
    if comparison.outcome in ("found", "not_found", "dqt_error"):
        calls.append(get)
    return tuple(calls)
