"""Asking DQT about a monitored trainee: is the TRN there yet, is the award there.

Read-only and on demand (one GET each), for the pending-TRN and pending-award
lists and their exports. Every DQT problem becomes a `DqtCheck` with words saying
what happened, never an exception, so the Register side stays usable. A check
never carries the date of birth used to ask.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from dqt.client import DqtClient
    from services.monitors import PendingTrn, TraineeFacts

log = logging.getLogger(__name__)

DqtOutcome = Literal[
    "trn_available",
    "pending",
    "awarded",
    "not_awarded",
    "not_found",
    "no_trn",
    "no_request",
    "invalid_trn",
    "unavailable",
    "error",
]


@dataclass(frozen=True)
class DqtCheck:
    """What DQT said about one trainee, in fields and in one plain line.

    Never carries the date of birth used to ask.
    """

    outcome: DqtOutcome
    message: str
    trn: str | None = None
    request_status: str | None = None
    qts_date: date | None = None
    eyts_date: date | None = None
    first_name: str | None = None
    last_name: str | None = None
    itt_result: str | None = None


async def check_trn_in_dqt(client: DqtClient, pending: PendingTrn) -> DqtCheck:
    """GET the trainee's TRN request from DQT: is the TRN there yet?

    Read-only. Recording a TRN found here as Register's job would is the
    `record_trn` fix (services/fixes/), behind writes and a confirmation.
    """
    if not pending.request_uuid:
        return DqtCheck("no_request", "no TRN request row: nothing to ask DQT about")
    try:
        info = await client.get_trn_request(pending.request_uuid)
    except Exception as error:  # noqa: BLE001 - worded by `_failed_check`
        return _failed_check(error, "TRN request")

    status = str(info.status) if info.status is not None else None
    if info.trn:
        return DqtCheck(
            "trn_available",
            f"DQT has TRN {info.trn} for this request ({status})",
            trn=info.trn,
            request_status=status,
            qts_date=info.qts_date,
        )
    duplicate = (
        " (DQT flagged a potential duplicate)" if info.potential_duplicate else ""
    )
    return DqtCheck(
        "pending",
        f"no TRN yet: DQT says {status}{duplicate}",
        request_status=status,
    )


async def check_award_in_dqt(client: DqtClient, facts: TraineeFacts) -> DqtCheck:
    """GET the teacher from DQT: is the QTS/EYTS date for this trainee's route there?"""
    trn = (facts.trn or "").strip()
    if not trn:
        return DqtCheck("no_trn", "no TRN in Register: DQT cannot be asked")
    if facts.date_of_birth is None:
        return DqtCheck("error", "no date of birth in Register: DQT needs one")
    try:
        teacher = await client.get_teacher(trn, facts.date_of_birth)
    except Exception as error:  # noqa: BLE001 - worded by `_failed_check`
        return _failed_check(error, "teacher")

    award = facts.award_type
    awarded_on = teacher.eyts_date if award == "EYTS" else teacher.qts_date
    if awarded_on is not None:
        outcome: DqtOutcome = "awarded"
        message = f"DQT shows {award} awarded on {awarded_on.isoformat()}"
    else:
        outcome, message = "not_awarded", f"DQT shows no {award} date"
    return DqtCheck(
        outcome,
        message,
        trn=teacher.trn,
        qts_date=teacher.qts_date,
        eyts_date=teacher.eyts_date,
        first_name=teacher.first_name,
        last_name=teacher.last_name,
        itt_result=_itt_result(teacher, facts),
    )


def _itt_result(teacher: Any, facts: TraineeFacts) -> str | None:
    """The result of the ITT record at the trainee's provider (or the only one)."""
    records = list(getattr(teacher, "initial_teacher_training", None) or [])
    at_provider = [
        record
        for record in records
        if record.provider is not None
        and facts.provider_ukprn
        and record.provider.ukprn == facts.provider_ukprn
    ]
    chosen = at_provider or records
    if len(chosen) != 1:
        return None if not chosen else f"{len(chosen)} ITT records"
    result = chosen[0].result
    return str(result) if result is not None else None


def _failed_check(error: Exception, what: str) -> DqtCheck:
    """A DQT failure in plain words; the Register side stays usable."""
    from dqt.client import DqtUnavailable, InvalidTrn
    from dqt.errors import DqtApiError

    if isinstance(error, InvalidTrn):
        return DqtCheck("invalid_trn", f"TRN not valid, DQT not asked: {error}")
    if isinstance(error, DqtUnavailable):
        return DqtCheck("unavailable", f"DQT unavailable: {error}")
    if isinstance(error, DqtApiError):
        if error.status == 404:
            return DqtCheck("not_found", f"DQT has no such {what} (404)")
        return DqtCheck("error", f"DQT answered {error.status}: {error}")
    log.warning("DQT %s look-up failed: %s", what, type(error).__name__)
    return DqtCheck("error", f"DQT look-up failed: {type(error).__name__}: {error}")
