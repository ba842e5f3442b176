"""Is a trainee's update job still on its way? (The award must wait for it.)
Is an award job of the trainee already on its way? (Then none is enqueued.)

Playbook: once DQT has awarded a trainee it refuses every update, so an award
job must not run while the same trainee's Dqt::UpdateTraineeJob has failed
(retry, dead, or a scheduled ActiveJob retry), is waiting in a queue, or is
being worked on. The single-job retry refuses an award job in that state and
points to the ordered retry; the ordered retry's release checks the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.playbook import AWARD_JOB, UPDATE_JOB, has_failed
from services.sidekiq import wire
from services.sidekiq.jobs import FailedJob
from services.sidekiq.reader import queue_names, read_queue, scan_sorted_set

_FAILED_SETS = ("retry", "dead", "schedule")


@dataclass(frozen=True)
class PendingJob:
    jid: str | None
    state: str  # "failed in dead", "failed in retry", "queued", "running"

    def describe(self) -> str:
        return f"{self.jid or '?'} ({self.state})"


def _trainee_id(job: FailedJob) -> str | None:
    target = job.target
    if target is None or target.model != "Trainee":
        return None
    return target.id


def _is_update_of(job: FailedJob, trainee_id: str) -> bool:
    return job.job_class == UPDATE_JOB and _trainee_id(job) == trainee_id


def pending_updates(redis: Any, trainee_id: str | int) -> list[PendingJob]:
    """The trainee's update jobs that have failed, wait in a queue, or run now."""
    wanted = str(trainee_id)
    pattern = f'*{wire.GLOBALID_APP}/Trainee/{wanted}"*'
    found: list[PendingJob] = []
    for name in _FAILED_SETS:
        for job in scan_sorted_set(redis, name, pattern):
            if _is_update_of(job, wanted) and has_failed(job):
                found.append(PendingJob(job.jid, f"failed, in {name}"))
    for queue in queue_names(redis):
        for job in read_queue(redis, queue):
            if _is_update_of(job, wanted):
                found.append(PendingJob(job.jid, f"queued in {queue}"))
    found += _running_updates(redis, wanted)
    return found


def _running_updates(redis: Any, trainee_id: str) -> list[PendingJob]:
    # A busy worker keeps `{"payload": <job JSON>, ...}` in `<identity>:work`.
    needle = f'{wire.GLOBALID_APP}/Trainee/{trainee_id}"'.encode()
    running = []
    for identity in redis.smembers("processes"):
        key = _bytes(identity) + b":work"
        for value in redis.hvals(key):
            text = _bytes(value)
            if UPDATE_JOB.encode() in text and needle in text:
                running.append(PendingJob(_jid_in(text), "running now"))
    return running


def _jid_in(text: bytes) -> str | None:
    marker = b'"jid":"'
    start = text.find(marker)
    if start < 0:
        return None
    start += len(marker)
    end = text.find(b'"', start)
    return text[start:end].decode("utf-8", "replace") if end > start else None


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def award_waits_for(redis: Any, job: FailedJob) -> str | None:
    """Why this award job should not run yet, or None (not an award, or no update)."""
    if job.job_class != AWARD_JOB:
        return None
    trainee_id = _trainee_id(job)
    if trainee_id is None:
        return None
    pending = pending_updates(redis, trainee_id)
    if not pending:
        return None
    jobs = ", ".join(update.describe() for update in pending)
    return (
        f"trainee {trainee_id}'s {UPDATE_JOB} has not gone through ({jobs}): "
        "re-run the update first with the ordered retry (fix ordered_retry), or "
        "retry with force to send the award anyway"
    )


def live_award_jobs(redis: Any, trainee_id: str | int) -> list[PendingJob]:
    """The trainee's award jobs that will run by themselves: queued, scheduled,
    waiting in retry, or running now (a dead one will not)."""
    wanted = str(trainee_id)
    pattern = f'*{wire.GLOBALID_APP}/Trainee/{wanted}"*'
    found: list[PendingJob] = []
    for name in ("retry", "schedule"):
        for job in scan_sorted_set(redis, name, pattern):
            if job.job_class == AWARD_JOB and _trainee_id(job) == wanted:
                found.append(PendingJob(job.jid, f"in {name}"))
    for queue in queue_names(redis):
        for job in read_queue(redis, queue):
            if job.job_class == AWARD_JOB and _trainee_id(job) == wanted:
                found.append(PendingJob(job.jid, f"queued in {queue}"))
    needle = f'{wire.GLOBALID_APP}/Trainee/{wanted}"'.encode()
    for identity in redis.smembers("processes"):
        for value in redis.hvals(_bytes(identity) + b":work"):
            text = _bytes(value)
            if AWARD_JOB.encode() in text and needle in text:
                found.append(PendingJob(_jid_in(text), "running now"))
    return found
