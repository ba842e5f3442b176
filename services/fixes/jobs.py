"""Finding the Sidekiq jobs a fix acts on: by jid, or every failed job of a trainee.

A job belongs to a trainee when its record argument is the trainee
(`Trainee/<id>`) or the trainee's TRN request row (`Dqt::TrnRequest/<id>`).

The sets can hold 10,000 members, so they are not read whole: `ZSCAN` with a
pattern lets Redis pick the few members that mention the jid or the trainee's
GlobalID, and only those are decoded and checked exactly.
"""

from __future__ import annotations

from typing import Any

import redis as redis_lib

from services.sidekiq import wire
from services.sidekiq.jobs import FailedJob
from services.sidekiq.reader import scan_sorted_set

FAILED_SETS = ("retry", "dead", "schedule")


def find_job(redis: Any, jid: str) -> FailedJob | None:
    """The member with this jid in retry, dead or schedule (first found)."""
    if not jid or any(char in jid for char in "*?[]\\"):
        return None
    for name in FAILED_SETS:
        for job in scan_sorted_set(redis, name, f"*{jid}*"):
            if job.jid == jid:
                return job
    return None


def belongs_to(job: FailedJob, trainee_id: int, trn_request_id: int | None) -> bool:
    target = job.target
    if target is None:
        return False
    if target.model == "Trainee":
        return target.id == str(trainee_id)
    if target.model == "Dqt::TrnRequest" and trn_request_id is not None:
        return target.id == str(trn_request_id)
    return False


def trainee_jobs(
    redis: Any, trainee_id: int, trn_request_id: int | None = None
) -> list[FailedJob]:
    """Every member of retry, dead and schedule that is about this trainee."""
    patterns = [f'*{wire.GLOBALID_APP}/Trainee/{trainee_id}"*']
    if trn_request_id is not None:
        patterns.append(f'*{wire.GLOBALID_APP}/Dqt::TrnRequest/{trn_request_id}"*')

    found: dict[tuple[str, bytes], FailedJob] = {}
    for name in FAILED_SETS:
        for pattern in patterns:
            for job in scan_sorted_set(redis, name, pattern):
                if belongs_to(job, trainee_id, trn_request_id):
                    found.setdefault((job.where, job.raw), job)
    return sorted(found.values(), key=lambda job: (job.where, job.score or 0.0))


def failed_jobs_of(
    redis: Any,
    trainee_id: int,
    job_class: str,
    trn_request_id: int | None = None,
) -> list[FailedJob]:
    """The trainee's jobs of `job_class` that failed: in the retry or dead set.

    These are what a fix resolves and then deletes (a scheduled entry has not
    failed yet, so it is left alone).
    """
    return [
        job
        for job in trainee_jobs(redis, trainee_id, trn_request_id)
        if job.job_class == job_class and job.where in ("retry", "dead")
    ]


def resolved_jobs(
    redis: Any, trainee_id: int, job_class: str
) -> tuple[list[FailedJob], list[str]]:
    """`failed_jobs_of`, or none and a note when Redis cannot be read.

    For fixes whose work is in the database: Redis down must not stop them,
    only leave the failed job for the operator to delete afterwards.
    """
    try:
        return failed_jobs_of(redis, trainee_id, job_class), []
    except (redis_lib.RedisError, OSError) as error:
        return [], [
            f"Redis could not be read ({type(error).__name__}): a failed "
            f"{job_class} of the trainee, if any, is not deleted by this fix; "
            "delete it afterwards"
        ]
