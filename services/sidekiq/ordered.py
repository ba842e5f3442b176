"""Ordered retry: a trainee's update job runs before the award job.

The playbook: when a trainee has both a failed update and a failed award job, re-run
the update first; once DQT has awarded the trainee it refuses updates. The plan
retries the update job(s), holds the award job(s) back, and releases them only after
the update has left the queues without failing again. The terminal app polls
`check()` to show where the update is; `advance()` releases the awards once it is
done (the `ordered_retry` fix releases them with its own checks, `step=release`).

An award entry in `retry` or `schedule` would run by itself at its time, so the plan
first moves it a day later (Sidekiq's own "reschedule": the member's bytes stay, only
its score changes); releasing it is Sidekiq's retry or "add to queue". Whether an update
may be sent at all (DQT already shows the trainee awarded) is the fixes layer's call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from services.playbook import AWARD_JOB, UPDATE_JOB, has_failed
from services.sidekiq.actions import (
    ActionPreview,
    ActionReport,
    JobActions,
    PlannedStep,
)
from services.sidekiq.jobs import QUEUE_PREFIX, FailedJob
from services.sidekiq.resolve import Resolution

log = logging.getLogger(__name__)

HOLD_SECONDS = 24 * 3600

PlanStatus = Literal[
    "ready",
    "update_waiting",
    "update_running",
    "update_failed_again",
    "update_done",
    "award_released",
    "update_gone",
]


@dataclass
class OrderedRetryPlan:
    resolution: Resolution
    updates: list[FailedJob]
    awards: list[FailedJob]
    status: PlanStatus = "ready"
    history: list[str] = field(default_factory=list)
    pushed_update_jids: list[str] = field(default_factory=list)

    @property
    def trainee_id(self) -> int | None:
        return self.resolution.trainee_id

    def preview(self, actions: JobActions) -> ActionPreview:
        """Every step in order: hold awards, retry updates, later release awards."""
        steps: list[PlannedStep] = []
        for job in self._waiting_awards():
            steps.append(
                PlannedStep(
                    "reschedule",
                    job.where,
                    job.jid,
                    self.trainee_id,
                    f"hold {job.jid} ({AWARD_JOB}) in {job.where} for "
                    f"{HOLD_SECONDS // 3600} hours",
                    member=job.raw,
                )
            )
        first = actions.preview_retry(self.updates)
        # Forced: these steps run only once the update has gone through.
        then = actions.preview_retry(self.awards, force=True)
        steps += first.steps
        for step in then.steps:
            steps.append(
                PlannedStep(
                    step.op,
                    step.key,
                    step.jid,
                    step.trainee_id,
                    "after the update succeeds: " + step.description,
                    member=step.member,
                    payload=step.payload,
                )
            )
        return ActionPreview(
            "ordered_retry",
            tuple(steps),
            first.skipped + then.skipped,
            first.warnings + then.warnings,
        )

    def start(self, actions: JobActions, *, reason: str | None) -> ActionReport:
        """Hold scheduled awards, then retry the update job(s)."""
        self._hold_awards(actions)
        report = actions.retry(self.updates, reason=reason)
        self.pushed_update_jids = [
            o.jid for o in report.outcomes if o.outcome == "retried" and o.jid
        ]
        self.status = "update_waiting" if self.pushed_update_jids else "update_gone"
        self._note(f"update retried: {report.summary()}")
        return report

    def check(self, redis: Any) -> PlanStatus:
        """Where the retried update is now; changes nothing."""
        if self.status in ("ready", "award_released", "update_gone"):
            return self.status
        found = [_whereabouts(redis, jid) for jid in self.pushed_update_jids]
        if "failed" in found:
            self.status = "update_failed_again"
        elif "running" in found:
            self.status = "update_running"
        elif "queued" in found:
            self.status = "update_waiting"
        else:
            self.status = "update_done"
        return self.status

    def advance(self, actions: JobActions, *, reason: str | None) -> PlanStatus:
        """Release the award job(s) once the update has left the queues cleanly."""
        status = self.check(actions.redis)
        if status != "update_done":
            return status
        report = actions.retry(self.awards, reason=reason)
        self._note(f"award released: {report.summary()}")
        self.status = "award_released"
        return self.status

    def _waiting_awards(self) -> list[FailedJob]:
        """Award entries Sidekiq would run by itself at their score: retry, schedule."""
        return [job for job in self.awards if job.where in ("retry", "schedule")]

    def _hold_awards(self, actions: JobActions) -> None:
        later = actions.clock() + HOLD_SECONDS
        for job in self._waiting_awards():
            started = time.perf_counter()
            # XX: only if the member is still there (it may have run already).
            changed = actions.redis.zadd(job.where, {job.raw: later}, xx=True, ch=True)
            outcome = "held" if changed else "not found"
            log.info(
                "redis hold schedule jid=%s trainee=%s outcome=%s %.4f s",
                job.jid,
                self.trainee_id,
                outcome,
                time.perf_counter() - started,
            )
            self._note(f"award {job.jid} {outcome}")

    def _note(self, text: str) -> None:
        self.history.append(text)
        log.info("ordered retry trainee=%s: %s", self.trainee_id, text)


def ordered_retry_plan(
    jobs: Sequence[FailedJob], resolution: Resolution
) -> OrderedRetryPlan | None:
    """A plan for one trainee's jobs, or None when there is nothing to order."""
    updates = [
        job
        for job in jobs
        if job.job_class == UPDATE_JOB and has_failed(job) and job.where != "schedule"
    ]
    awards = [job for job in jobs if job.job_class == AWARD_JOB and has_failed(job)]
    if not updates or not awards:
        return None
    return OrderedRetryPlan(resolution, updates, awards)


def _whereabouts(
    redis: Any, jid: str
) -> Literal["queued", "running", "failed", "gone"]:
    """Where a job with this jid is: failed again, running, queued, or gone."""
    needle = f'"jid":"{jid}"'.encode()
    for name in ("retry", "dead"):
        for member, _score in redis.zscan_iter(name, match=f"*{jid}*", count=500):
            if needle in _bytes(member):
                return "failed"
    for identity in redis.smembers("processes"):
        work = redis.hvals(_bytes(identity) + b":work")
        if any(jid.encode() in _bytes(value) for value in work):
            return "running"
    for queue in redis.smembers("queues"):
        key = QUEUE_PREFIX.encode() + _bytes(queue)
        if any(needle in _bytes(item) for item in redis.lrange(key, 0, -1)):
            return "queued"
    return "gone"


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()
