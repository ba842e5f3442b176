"""The failed-jobs list: entries read, classified, resolved to trainees, grouped.

`load_failed_jobs` is what the TUI and `triage jobs` call. `row_to_json` is the
stable, documented JSON form of one row (docs/jobs-json.md).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from services.playbook import Classification, classify_among
from services.sidekiq.jobs import FailedJob
from services.sidekiq.reader import (
    DeadSetHealth,
    read_snapshot,
    snapshot_dead_set_health,
)
from services.sidekiq.resolve import (
    Resolution,
    TraineeGroup,
    group_by_trainee,
    resolution_of,
    resolve_jobs,
)

log = logging.getLogger(__name__)

JSON_FORMAT_VERSION = 1
_SPACES = re.compile(r"\s+")


def one_line(text: str | None, width: int) -> str:
    """Whitespace (newlines included) collapsed, cut to `width` with an ellipsis."""
    if not text:
        return ""
    # Only the start of a long message can be shown: collapse that much only.
    line = _SPACES.sub(" ", text[: width * 4 + 16]).strip()
    if len(line) > width:
        return line[: max(width - 1, 0)].rstrip() + "…"
    return line


@dataclass(frozen=True)
class JobRow:
    job: FailedJob
    classification: Classification
    resolution: Resolution

    @property
    def case_key(self) -> str:
        return self.classification.key

    def summary(self, width: int = 80) -> str:
        """One line for a list: the error summary, or why the entry is unreadable."""
        if not self.job.readable:
            return one_line(self.job.parse_error, width)
        return one_line(self.classification.error_summary, width)


@dataclass(frozen=True)
class FailedJobsView:
    read_at: datetime
    rows: list[JobRow]
    groups: list[TraineeGroup]
    health: DeadSetHealth | None

    def by_case(self, key: str) -> list[JobRow]:
        return [row for row in self.rows if row.case_key == key]

    def find(self, jid: str) -> list[JobRow]:
        """Rows with this jid (normally one; a queue copy may exist too)."""
        return [row for row in self.rows if row.job.jid == jid]

    def case_counts(self) -> Counter[str]:
        return Counter(row.case_key for row in self.rows)


def load_failed_jobs(
    redis: Any,
    engine: Engine | None,
    *,
    include_queues: bool = False,
) -> FailedJobsView:
    """Read every set (and queues if asked), classify, resolve in one query, group."""
    started = time.perf_counter()
    snapshot = read_snapshot(redis, include_queues=include_queues)
    jobs = snapshot.all_jobs if include_queues else snapshot.failed
    resolutions = resolve_jobs(engine, jobs)
    rows = [
        JobRow(job, found, resolution_of(job, resolutions))
        for job, found in zip(jobs, classify_among(jobs), strict=True)
    ]
    groups = group_by_trainee(jobs, resolutions)
    health = snapshot_dead_set_health(snapshot)
    log.info(
        "failed jobs: %d rows, %d trainees/records, %d unreadable in %.3f s",
        len(rows),
        len(groups),
        sum(1 for job in jobs if not job.readable),
        time.perf_counter() - started,
    )
    return FailedJobsView(snapshot.read_at, rows, groups, health)


# --- the JSON form ----------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (
        moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _argument_text(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list):
        return [_argument_text(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _argument_text(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def trainee_json(resolution: Resolution) -> dict[str, Any]:
    trainee = resolution.trainee
    data: dict[str, Any] = {
        "status": resolution.status,
        "note": resolution.note,
        "target": str(resolution.target) if resolution.target else None,
    }
    if trainee is not None:
        data.update(
            id=trainee.id,
            slug=trainee.slug,
            name=trainee.name,
            trn=trainee.trn,
            state=enum_name(trainee.state, trainee.state_label),
            training_route=enum_name(trainee.training_route, trainee.route_label),
            provider=trainee.provider_name,
            trn_request_id=trainee.trn_request_id,
            discarded_at=_iso(trainee.discarded_at),
            submitted_for_trn_at=_iso(trainee.submitted_for_trn_at),
            recommended_for_award_at=_iso(trainee.recommended_for_award_at),
        )
    return data


def enum_name(value: int | None, label: str) -> dict[str, Any] | None:
    return None if value is None else {"value": value, "label": label}


def row_to_json(row: JobRow, *, width: int = 160) -> dict[str, Any]:
    """One row as the stable JSON form (docs/jobs-json.md)."""
    job = row.job
    case = row.classification.case
    parsed = job.error_signal
    return {
        "jid": job.jid,
        "where": job.where,
        "score": job.score,
        "score_time": _iso(job.score_time),
        "readable": job.readable,
        "parse_error": job.parse_error,
        "problems": list(job.problems),
        "wrapper_class": job.wrapper_class,
        "job_class": job.job_class,
        "job_id": job.job_id,
        "queue": job.queue,
        "retry": job.retry_option,
        "retry_count": job.retry_count,
        "created_at": _iso(job.created_at),
        "enqueued_at": _iso(job.enqueued_at),
        "failed_at": _iso(job.failed_at),
        "retried_at": _iso(job.retried_at),
        "arguments": [_argument_text(value) for value in job.arguments],
        "exception_executions": job.exception_executions,
        "error": {
            "class": job.error_class,
            "kind": parsed.kind if parsed else None,
            "status": parsed.status if parsed else None,
            "error_code": parsed.error_code if parsed else None,
            "summary": row.summary(width),
        },
        "case": {
            "key": case.key,
            "title": case.title,
            "signal": row.classification.signal,
            "fixes": list(case.fixes),
            "needs_dqt_comparison": case.needs_dqt_comparison,
            "retry_advised": case.retry_advised,
        },
        "trainee": trainee_json(row.resolution),
    }


def health_json(health: DeadSetHealth | None) -> dict[str, Any] | None:
    if health is None:
        return None
    age = health.oldest_age
    return {
        "size": health.size,
        "max_jobs": health.max_jobs,
        "fill_fraction": round(health.fill_fraction, 4),
        "oldest_at": _iso(health.oldest_at),
        "oldest_age_days": round(age.total_seconds() / 86400, 2) if age else None,
        "timeout_days": health.timeout.days,
    }
