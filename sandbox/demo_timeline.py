"""When things happened to each demo trainee, counted back from the seeding day.

Register rows, audits, DQT records and job timestamps all read their moments from
here, so a trainee's story is in order everywhere: created, submitted for TRN,
TRN received, then deferred / withdrawn / recommended / awarded, and any failed
job after the last of those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sandbox.demo_cases import TraineeSpec
from services.register.enums import TraineeState as S

# The demo's "now" is 09:00 UTC on the seeding day.
DEMO_HOUR = time(9, 0)


def demo_now(today: date) -> datetime:
    return datetime.combine(today, DEMO_HOUR, tzinfo=UTC)


@dataclass(frozen=True)
class Timeline:
    created: datetime
    submitted: datetime | None
    trn_received: datetime | None
    deferred: datetime | None
    withdrawn: datetime | None
    outcome_date: date | None
    recommended: datetime | None
    awarded: datetime | None
    discarded: datetime | None
    itt_start: date
    itt_end: date

    @property
    def last_event(self) -> datetime:
        moments = [
            self.created,
            self.submitted,
            self.trn_received,
            self.deferred,
            self.withdrawn,
            self.recommended,
            self.awarded,
            self.discarded,
        ]
        return max(moment for moment in moments if moment is not None)


def _academic_year_start(moment: datetime) -> date:
    year = moment.year if moment.month >= 9 else moment.year - 1
    return date(year, 9, 1)


def timeline(spec: TraineeSpec, today: date) -> Timeline:
    now = demo_now(today)
    # Leave room for the trainee's failed jobs after its last event.
    latest_job = max((job.hours_ago for job in spec.jobs), default=0.0)
    end = now - timedelta(hours=latest_job + 1)

    submitted = now - timedelta(days=spec.submitted_days_ago)
    created = submitted - timedelta(days=20, hours=spec.id % 7)
    itt_start = _academic_year_start(created)
    itt_end = date(itt_start.year + 1, 7, 31)
    if spec.state == S.draft:
        return Timeline(
            created, None, None, None, None, None, None, None, None, itt_start, itt_end
        )

    trn_received = submitted + timedelta(hours=2) if spec.has_trn else None
    start = trn_received or submitted
    span = max(end - start, timedelta(hours=3))

    def at(fraction: float) -> datetime:
        return start + span * fraction

    deferred = withdrawn = recommended = awarded = None
    outcome: date | None = None
    if spec.state == S.deferred or spec.previous_state == S.deferred:
        deferred = at(0.3)
    if spec.state == S.withdrawn:
        withdrawn = at(0.6)
    if spec.state in (S.recommended_for_award, S.awarded):
        recommended = at(0.4)
        outcome = (recommended - timedelta(days=1)).date()
    if spec.state == S.awarded:
        # The award comes back after the recommendation: `awarded_at` is never
        # earlier than `recommended_for_award_at` (DQT's QTS date is its day).
        awarded = at(0.5)
    discarded = at(0.9) if spec.discarded else None
    return Timeline(
        created,
        submitted,
        trn_received,
        deferred,
        withdrawn,
        outcome,
        recommended,
        awarded,
        discarded,
        itt_start,
        itt_end,
    )
