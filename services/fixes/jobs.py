"""Finding the Sidekiq jobs a fix acts on: by jid, or every failed job of a trainee.

A job belongs to a trainee when its record argument is the trainee
(`Trainee/<id>`) or the trainee's TRN request row (`Dqt::TrnRequest/<id>`).
"""

from __future__ import annotations

from typing import Any

from services.sidekiq.jobs import FailedJob
from services.sidekiq.reader import read_sorted_set

FAILED_SETS = ("retry", "dead", "schedule")


def find_job(redis: Any, jid: str) -> FailedJob | None:
    """The member with this jid in retry, dead or schedule (first found)."""
    for name in FAILED_SETS:
        for job in read_sorted_set(redis, name):
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
    return [
        job
        for name in FAILED_SETS
        for job in read_sorted_set(redis, name)
        if belongs_to(job, trainee_id, trn_request_id)
    ]
