"""The demo's Sidekiq entries: real captured payloads plus generated ones.

The captured payloads (`sandbox/captured/{dead,retry,schedule}.json`, written by
real Sidekiq 6.4 and ActiveJob 6.1) are loaded byte for byte: each member is the
exact `payload_string` and each score the exact `score_raw` text, so Sidekiq's
own delete-by-value would find them. Generated entries follow the same layout
through `services.sidekiq.wire`, in the unit and wrapper class of the chosen
Sidekiq major version.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sandbox.demo_cases import (
    AWARD,
    MISSING_TRAINEE_ID,
    MISSING_TRAINEE_JOB,
    REGISTER,
    RETRIEVE,
    UPDATE,
    WITHDRAW,
    JobSpec,
    TraineeSpec,
)
from sandbox.demo_errors import job_error
from sandbox.demo_people import demo_uuid
from sandbox.demo_timeline import demo_now
from services.sidekiq import wire

log = logging.getLogger(__name__)

CAPTURED_DIR = Path(__file__).with_name("captured")
CAPTURED_SETS = ("dead", "retry", "schedule")

# Sidekiq 6.5 defaults: retry 0 sends a failure straight to the dead set.
JOB_RETRY: dict[str, bool | int] = {
    UPDATE: 0,
    WITHDRAW: 0,
    REGISTER: 0,
    AWARD: 10,
    RETRIEVE: 10,
}


@dataclass(frozen=True)
class Member:
    """One sorted-set member as Redis holds it."""

    key: str
    score_raw: str
    payload: bytes


@cache
def _captured_file(set_name: str) -> tuple[tuple[str, str], ...]:
    entries = json.loads((CAPTURED_DIR / f"{set_name}.json").read_text("utf-8"))
    return tuple((entry["score_raw"], entry["payload_string"]) for entry in entries)


def captured_members() -> list[Member]:
    """Every captured member, in the files' (ZRANGE) order."""
    return [
        Member(set_name, score_raw, payload.encode("utf-8"))
        for set_name in CAPTURED_SETS
        for score_raw, payload in _captured_file(set_name)
    ]


@cache
def captured_error_messages() -> dict[int, str]:
    """Trainee id -> the error text of its captured job (entries that carry one)."""
    found: dict[int, str] = {}
    for member in captured_members():
        payload = json.loads(member.payload)
        message = payload.get("error_message")
        target = wire.parse_globalid(payload["args"][0]["arguments"][0])
        if not message or target is None:
            continue
        model, record_id = target
        trainee_id = int(record_id)
        if model == "Dqt::TrnRequest":
            trainee_id -= 50000
        found[trainee_id] = message
    return found


def _jid(trainee_id: int, index: int) -> str:
    return hashlib.sha256(f"demo-jid:{trainee_id}:{index}".encode()).hexdigest()[:24]


def _arguments(spec_id: int, job: JobSpec, timeout: date) -> list[Any]:
    if job.job_class == RETRIEVE:
        request_id = job.trn_request_id or 50000 + spec_id
        return [
            wire.globalid("Dqt::TrnRequest", request_id),
            wire.date_argument(timeout),
        ]
    return [wire.globalid("Trainee", spec_id)]


def _record_id(spec_id: int, job: JobSpec) -> int:
    return job.trn_request_id if job.trn_request_id is not None else spec_id


def generated_member(
    trainee_id: int,
    index: int,
    job: JobSpec,
    *,
    today: date,
    major: wire.SidekiqMajor,
) -> Member:
    """A failed job as Sidekiq leaves it in `dead` or `retry`, or a queued one."""
    now = demo_now(today)
    failed_at = now - timedelta(hours=job.hours_ago)
    enqueued = failed_at - timedelta(seconds=2)
    retry_option = JOB_RETRY.get(job.job_class, True)
    payload = wire.new_activejob_job(
        job.job_class,
        _arguments(trainee_id, job, (now + timedelta(days=4)).date()),
        now=enqueued,
        major=major,
        retry=retry_option,
        jid=_jid(trainee_id, index),
        job_id=demo_uuid("job", trainee_id, index),
    )
    if job.set_name == "queue":
        return Member("queue:dqt", "", wire.dumps(payload).encode("utf-8"))

    error_class, message = job_error(
        job.failure,
        trainee_id=trainee_id,
        record_id=_record_id(trainee_id, job),
        at=failed_at,
    )
    payload["error_message"] = message
    payload["error_class"] = error_class
    payload["failed_at"] = wire.encode_time(failed_at, major)
    payload["retry_count"] = job.retry_count
    # `failed_at` is the first failure and `retried_at` the latest, as Sidekiq
    # keeps them: the latest is never earlier than the first.
    last_failure = failed_at
    if job.retry_count:
        last_failure = failed_at + timedelta(seconds=30)
        payload["retried_at"] = wire.encode_time(last_failure, major)

    if job.set_name == "retry":
        # Sidekiq's backoff: (count ** 4) + 15 seconds, plus jitter left out here.
        next_run = now + timedelta(seconds=job.retry_count**4 + 15, hours=1)
        score = next_run.timestamp()
    else:
        # A dead job's score is when it died: its latest failure.
        score = last_failure.timestamp()
    return Member(job.set_name, repr(float(score)), wire.dumps(payload).encode("utf-8"))


def generated_members(
    specs: list[TraineeSpec], *, today: date, major: wire.SidekiqMajor
) -> list[Member]:
    members = []
    for spec in specs:
        for index, job in enumerate(spec.jobs):
            if not job.captured:
                members.append(
                    generated_member(spec.id, index, job, today=today, major=major)
                )
    members.append(
        generated_member(
            MISSING_TRAINEE_ID, 0, MISSING_TRAINEE_JOB, today=today, major=major
        )
    )
    return members


def load_members(redis_client: Any, members: list[Member]) -> None:
    """ZADD each member with its exact score text; queue members are RPUSHed."""
    pipeline = redis_client.pipeline(transaction=False)
    # Register's DQT jobs all run on the `dqt` queue, which Sidekiq lists in `queues`.
    queues = {"dqt"}
    for member in members:
        if member.key.startswith("queue:"):
            pipeline.rpush(member.key, member.payload)
            queues.add(member.key.removeprefix("queue:"))
        else:
            pipeline.execute_command(
                "ZADD", member.key, member.score_raw, member.payload
            )
    pipeline.sadd("queues", *sorted(queues))
    pipeline.execute()
    log.info("loaded %d Sidekiq entries", len(members))
