"""Reading Sidekiq's Redis data as it is: `retry`, `dead`, `schedule` and queues.

Each member comes back as the exact bytes Redis holds, with its score; nothing is
re-serialised. The key layout is the same from Sidekiq 6.5 to 8.x
(../shared/domain/sidekiq.md §1.1).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.sidekiq.jobs import QUEUE_PREFIX, SORTED_SETS, FailedJob, parse_member

log = logging.getLogger(__name__)

# Sidekiq's defaults for the dead set (`dead_max_jobs`, `dead_timeout_in_seconds`).
DEAD_MAX_JOBS = 10_000
DEAD_TIMEOUT = timedelta(days=180)


def _as_bytes(value: Any) -> bytes:
    # A client made with decode_responses=True hands back str; the UTF-8 it came
    # from is the same bytes for every member Sidekiq can have written.
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def read_sorted_set(redis: Any, name: str) -> list[FailedJob]:
    """Every member of `retry`, `dead` or `schedule`, lowest score first."""
    started = time.perf_counter()
    rows = redis.zrange(name, 0, -1, withscores=True)
    jobs = [parse_member(name, _as_bytes(raw), float(score)) for raw, score in rows]
    log.debug(
        "read %s: %d members in %.3f s", name, len(jobs), time.perf_counter() - started
    )
    return jobs


def scan_sorted_set(
    redis: Any, name: str, pattern: str, *, count: int = 1000
) -> list[FailedJob]:
    """The members of `name` matching a glob `pattern`, found by ZSCAN.

    Redis picks the matching members itself, so a set of 10,000 is not sent
    whole to find the few that mention a jid or a GlobalID. The pattern only
    narrows: the caller checks each job exactly.
    """
    return [
        parse_member(name, _as_bytes(member), float(score))
        for member, score in redis.zscan_iter(name, match=pattern, count=count)
    ]


def queue_names(redis: Any) -> list[str]:
    """Queues named in `queues`, plus any `queue:*` list that set does not name."""
    listed = redis.smembers("queues")
    names = {_as_bytes(name).decode("utf-8", "replace") for name in listed}
    for key in redis.scan_iter(match=f"{QUEUE_PREFIX}*", count=500):
        names.add(_as_bytes(key).decode("utf-8", "replace")[len(QUEUE_PREFIX) :])
    return sorted(names)


def read_queue(redis: Any, queue: str) -> list[FailedJob]:
    """Items of `queue:<queue>`, oldest (next to run, right end) first."""
    key = f"{QUEUE_PREFIX}{queue}"
    items = redis.lrange(key, 0, -1)
    return [parse_member(key, _as_bytes(raw), None) for raw in reversed(items)]


@dataclass(frozen=True)
class SidekiqSnapshot:
    """Everything read at one moment, per set and queue."""

    read_at: datetime
    sets: dict[str, list[FailedJob]]
    queues: dict[str, list[FailedJob]]

    @property
    def failed(self) -> list[FailedJob]:
        """Entries of the three sorted sets (dead, retry, then schedule)."""
        return [
            *self.sets.get("dead", []),
            *self.sets.get("retry", []),
            *self.sets.get("schedule", []),
        ]

    @property
    def all_jobs(self) -> list[FailedJob]:
        queued = [job for jobs in self.queues.values() for job in jobs]
        return [*self.failed, *queued]


def read_snapshot(redis: Any, *, include_queues: bool = True) -> SidekiqSnapshot:
    """The three sorted sets and (optionally) every queue."""
    started = time.perf_counter()
    sets = {name: read_sorted_set(redis, name) for name in SORTED_SETS}
    queues: dict[str, list[FailedJob]] = {}
    if include_queues:
        queues = {name: read_queue(redis, name) for name in queue_names(redis)}
    snapshot = SidekiqSnapshot(datetime.now(UTC), sets, queues)
    log.info(
        "read Sidekiq: dead %d, retry %d, schedule %d, %d queued in %.3f s",
        len(sets["dead"]),
        len(sets["retry"]),
        len(sets["schedule"]),
        sum(len(jobs) for jobs in queues.values()),
        time.perf_counter() - started,
    )
    return snapshot


@dataclass(frozen=True)
class DeadSetHealth:
    """How close the dead set is to losing entries to Sidekiq's trimming."""

    size: int
    max_jobs: int
    oldest_at: datetime | None
    timeout: timedelta
    checked_at: datetime

    @property
    def fill_fraction(self) -> float:
        return self.size / self.max_jobs if self.max_jobs else 0.0

    @property
    def oldest_age(self) -> timedelta | None:
        return self.checked_at - self.oldest_at if self.oldest_at else None

    @property
    def days_until_oldest_expires(self) -> float | None:
        age = self.oldest_age
        if age is None:
            return None
        return (self.timeout - age).total_seconds() / 86400

    def warnings(self, *, warn_fraction: float, warn_age_days: int) -> list[str]:
        """Plain-words warnings against the operator's thresholds."""
        found = []
        if self.size >= self.max_jobs:
            found.append(
                f"dead set is full ({self.size:,} of {self.max_jobs:,}): "
                "Sidekiq drops the oldest entry on every new death"
            )
        elif self.fill_fraction >= warn_fraction:
            found.append(
                f"dead set is {self.fill_fraction:.0%} full "
                f"({self.size:,} of {self.max_jobs:,})"
            )
        age = self.oldest_age
        if age is not None and age.days >= warn_age_days:
            left = self.days_until_oldest_expires or 0.0
            found.append(
                f"oldest dead entry is {age.days} days old; Sidekiq drops entries "
                f"after {self.timeout.days} days ({max(left, 0):.0f} days left)"
            )
        return found


def dead_set_health(
    redis: Any,
    *,
    max_jobs: int = DEAD_MAX_JOBS,
    timeout: timedelta = DEAD_TIMEOUT,
    now: datetime | None = None,
) -> DeadSetHealth:
    """Size against the cap and the oldest entry's age against the time limit."""
    size = int(redis.zcard("dead"))
    oldest = redis.zrange("dead", 0, 0, withscores=True)
    oldest_at = datetime.fromtimestamp(float(oldest[0][1]), UTC) if oldest else None
    return DeadSetHealth(size, max_jobs, oldest_at, timeout, now or datetime.now(UTC))


def snapshot_dead_set_health(
    snapshot: SidekiqSnapshot,
    *,
    max_jobs: int = DEAD_MAX_JOBS,
    timeout: timedelta = DEAD_TIMEOUT,
) -> DeadSetHealth:
    """`dead_set_health` of a snapshot already read: no further Redis call."""
    dead = snapshot.sets.get("dead", [])
    scores = [job.score for job in dead if job.score is not None]
    oldest_at = datetime.fromtimestamp(min(scores), UTC) if scores else None
    return DeadSetHealth(len(dead), max_jobs, oldest_at, timeout, snapshot.read_at)


__all__ = [
    "DEAD_MAX_JOBS",
    "DEAD_TIMEOUT",
    "SORTED_SETS",
    "DeadSetHealth",
    "SidekiqSnapshot",
    "dead_set_health",
    "queue_names",
    "read_queue",
    "read_snapshot",
    "read_sorted_set",
    "scan_sorted_set",
    "snapshot_dead_set_health",
]
