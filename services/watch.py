"""Conditions that need a person, for `triage watch` (cron or a monitoring check).

One `Condition` per thing to look at, each with a one-line message:

- dead jobs, one condition per playbook case (every dead job needs a person);
- timed-out TRN polling (see `services.monitors.timed_out_polling` for the rule);
- trainees waiting for a TRN for `pending_trn_days` days or more;
- trainees waiting for an award for `pending_award_days` days or more;
- the dead set near Sidekiq's 10,000-entry cap (`dead_set_warn_fraction`), where
  every new death silently drops the oldest entry;
- dead entries `dead_age_warn_days` or more old, near Sidekiq's 180-day limit after
  which they are dropped.

Sidekiq is read once for all of them; PostgreSQL twice (pending TRNs, awards).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.engine import Connection

from services import monitors
from services.playbook import classify
from services.sidekiq.jobs import FailedJob
from services.sidekiq.reader import DEAD_MAX_JOBS, DEAD_TIMEOUT

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

ConditionKind = Literal[
    "dead_jobs",
    "timed_out_polling",
    "pending_trn",
    "pending_award",
    "dead_set_size",
    "dead_set_age",
]

# How many trainee slugs or jids a condition names, so a line stays one line.
EXAMPLES = 5


@dataclass(frozen=True)
class Thresholds:
    """When a waiting trainee or the dead set needs a person (from the settings)."""

    pending_trn_days: int = 7
    pending_award_days: int = 14
    dead_set_warn_fraction: float = 0.9
    dead_age_warn_days: int = 150
    dead_max_jobs: int = DEAD_MAX_JOBS
    dead_timeout_days: int = DEAD_TIMEOUT.days


@dataclass(frozen=True)
class Condition:
    """One thing that needs a person: what, how many, and a few of them by name."""

    kind: ConditionKind
    key: str
    count: int
    message: str
    examples: tuple[str, ...] = field(default=())

    def line(self) -> str:
        """The one line `triage watch` prints."""
        tail = f" ({', '.join(self.examples)})" if self.examples else ""
        return f"{self.key}: {self.message}{tail}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "count": self.count,
            "message": self.message,
            "examples": list(self.examples),
        }


def watch_conditions(
    conn: Connection,
    redis_client: redis.Redis,
    *,
    today: date,
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
) -> list[Condition]:
    """Every condition that needs a person now, most urgent kinds first."""
    limits = thresholds or Thresholds()
    moment = now or datetime.now(UTC)

    snapshot = monitors.read_snapshot_once(redis_client)
    index = monitors.index_jobs(snapshot.all_jobs)
    dead = snapshot.sets.get("dead", [])
    trns = list(monitors.iter_pending_trns(conn, index, today=today))
    awards = list(monitors.iter_pending_awards(conn, index, today=today))

    found = [
        *dead_job_conditions(dead),
        *timed_out_conditions(trns),
        *pending_trn_conditions(trns, limits),
        *pending_award_conditions(awards, limits),
        *dead_set_conditions(dead, limits, moment),
    ]
    log.info("watch: %d conditions need a person", len(found))
    return found


def dead_job_conditions(dead: Sequence[FailedJob]) -> list[Condition]:
    """One condition per playbook case found in the dead set, largest first."""
    by_case: dict[str, list[FailedJob]] = defaultdict(list)
    titles: dict[str, str] = {}
    for job in dead:
        classification = classify(job)
        by_case[classification.key].append(job)
        titles[classification.key] = classification.case.title

    conditions = []
    for key, jobs in sorted(by_case.items(), key=lambda item: (-len(item[1]), item[0])):
        noun = "dead job" if len(jobs) == 1 else "dead jobs"
        conditions.append(
            Condition(
                kind="dead_jobs",
                key=f"dead_jobs[{key}]",
                count=len(jobs),
                message=f"{len(jobs)} {noun}: {titles[key]}",
                examples=tuple(job.jid or "(no jid)" for job in jobs[:EXAMPLES]),
            )
        )
    return conditions


def timed_out_conditions(rows: Sequence[monitors.PendingTrn]) -> list[Condition]:
    stuck = [row for row in rows if row.timed_out]
    if not stuck:
        return []
    return [
        Condition(
            kind="timed_out_polling",
            key="timed_out_polling",
            count=len(stuck),
            message=(
                f"{_trainees(len(stuck))} past the TRN polling timeout with no "
                "RetrieveTrnJob polling"
            ),
            examples=tuple(row.trainee.slug for row in stuck[:EXAMPLES]),
        )
    ]


def pending_trn_conditions(
    rows: Sequence[monitors.PendingTrn], limits: Thresholds
) -> list[Condition]:
    return _waiting_conditions("pending_trn", rows, limits.pending_trn_days, "a TRN")


def pending_award_conditions(
    rows: Sequence[monitors.PendingAward], limits: Thresholds
) -> list[Condition]:
    return _waiting_conditions(
        "pending_award", rows, limits.pending_award_days, "an award"
    )


def _waiting_conditions(
    kind: Literal["pending_trn", "pending_award"],
    rows: Sequence[monitors.PendingTrn | monitors.PendingAward],
    days: int,
    waiting_for: str,
) -> list[Condition]:
    """Trainees waiting `days` days or more, the longest-waiting named first."""
    waiting = sorted(
        (
            row
            for row in rows
            if row.days_waiting is not None and row.days_waiting >= days
        ),
        key=lambda row: -(row.days_waiting or 0),
    )
    if not waiting:
        return []
    return [
        Condition(
            kind=kind,
            key=kind,
            count=len(waiting),
            message=(
                f"{_trainees(len(waiting))} waiting {days}+ days for {waiting_for} "
                f"(longest {waiting[0].days_waiting} days)"
            ),
            examples=tuple(row.trainee.slug for row in waiting[:EXAMPLES]),
        )
    ]


def _trainees(count: int) -> str:
    return f"{count} trainee" if count == 1 else f"{count} trainees"


def dead_set_conditions(
    dead: Sequence[FailedJob], limits: Thresholds, now: datetime
) -> list[Condition]:
    """The dead set near its size cap, and entries near its age limit."""
    conditions = []
    size = len(dead)
    if (
        limits.dead_max_jobs
        and size >= limits.dead_set_warn_fraction * limits.dead_max_jobs
    ):
        full = size >= limits.dead_max_jobs
        state = "full" if full else f"{size / limits.dead_max_jobs:.0%} full"
        conditions.append(
            Condition(
                kind="dead_set_size",
                key="dead_set_size",
                count=size,
                message=(
                    f"dead set is {state} ({size:,} of {limits.dead_max_jobs:,}): "
                    "Sidekiq drops the oldest entry on every new death"
                ),
            )
        )

    cutoff = now - timedelta(days=limits.dead_age_warn_days)
    old = [job for job in dead if job.score is not None and _at(job.score) <= cutoff]
    if old:
        oldest = min(_at(job.score or 0) for job in old)
        age = (now - oldest).days
        left = max(limits.dead_timeout_days - age, 0)
        noun = "entry is" if len(old) == 1 else "entries are"
        conditions.append(
            Condition(
                kind="dead_set_age",
                key="dead_set_age",
                count=len(old),
                message=(
                    f"{len(old)} dead {noun} {limits.dead_age_warn_days}+ days old; "
                    f"Sidekiq drops them at {limits.dead_timeout_days} days "
                    f"(oldest {age} days, {left} days left)"
                ),
                examples=tuple(job.jid or "(no jid)" for job in old[:EXAMPLES]),
            )
        )
    return conditions


def _at(score: float) -> datetime:
    return datetime.fromtimestamp(score, UTC)
