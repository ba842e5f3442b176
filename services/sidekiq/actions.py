"""Retry, delete and enqueue Sidekiq jobs exactly as Sidekiq's own API would.

Semantics (../shared/domain/sidekiq.md §1.4, Sidekiq 6.5 `SortedEntry`):
- retry (from `retry` or `dead`): remove the exact member, decrement `retry_count`,
  push to `queue:<queue>` with a fresh `enqueued_at`, same jid, every other field
  and the key order kept; add the queue to `queues`;
- add to queue (from `schedule`): the same without touching `retry_count`;
- delete: `ZREM` of the exact member.

The removal and the push happen in ONE Lua script that pushes only when `ZREM`
returned 1: a member another operator already took is reported as "already gone"
and nothing is pushed, so two operators retrying the same jobs push each job once.
Bulk actions work on a snapshot of members taken before they start and never loop
on a set's size, so jobs that fail again while a bulk retry runs are not retried
again (Sidekiq 6.5's `retry_all` could loop forever on those).

Every action has a preview; applying one needs writes enabled and a reason, logs
one line per job and appends one journal entry.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from services.journal import Journal, JournalEntry
from services.playbook import (
    AWARD_JOB,
    REGISTER_JOB,
    RETRIEVE_TRN_JOB,
    UPDATE_JOB,
    classify,
)
from services.register.enums import TraineeState
from services.sidekiq import wire
from services.sidekiq.jobs import QUEUE_PREFIX, FailedJob
from services.sidekiq.resolve import (
    NO_TARGET,
    Resolution,
    TraineeSummary,
    resolution_of,
)
from services.sidekiq.update_first import award_waits_for, live_award_jobs
from services.sidekiq.wire import GlobalIdRef, SidekiqMajor

log = logging.getLogger(__name__)

QUEUES_KEY = "queues"
# Sidekiq's queue for a job whose payload names none.
DEFAULT_QUEUE = "default"
_PIPELINE_CHUNK = 200

# Remove the exact member; push only if it was still there. KEYS: set, queue list,
# `queues`; ARGV: member, payload to push, queue name.
_CLAIM_AND_PUSH = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('SADD', KEYS[3], ARGV[3])
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""

Outcome = Literal["retried", "queued", "deleted", "enqueued", "already_gone", "skipped"]
SkipReason = Literal[
    "unreadable", "malformed", "orphan", "not_in_a_set", "update_first"
]


class ActionRefused(Exception):
    """An action was not run: writes are disabled, or no reason was given."""


@dataclass(frozen=True)
class PlannedStep:
    """One Redis change an action would make, in order."""

    op: Literal["remove", "push", "reschedule"]
    key: str
    jid: str | None
    trainee_id: int | None
    description: str
    member: bytes | None = None
    payload: str | None = None


@dataclass(frozen=True)
class Skip:
    jid: str | None
    where: str
    reason: SkipReason
    detail: str


@dataclass(frozen=True)
class ActionPreview:
    """What an action would do: members removed and jobs pushed, in order."""

    action: str
    steps: tuple[PlannedStep, ...]
    skipped: tuple[Skip, ...] = ()
    warnings: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        shown = [step.description for step in self.steps]
        shown += [f"skip {skip.jid or '?'}: {skip.detail}" for skip in self.skipped]
        shown += [f"warning: {warning}" for warning in self.warnings]
        return shown


@dataclass(frozen=True)
class JobOutcome:
    jid: str | None
    trainee_id: int | None
    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True)
class ActionReport:
    action: str
    outcomes: tuple[JobOutcome, ...]
    warnings: tuple[str, ...] = ()

    def counts(self) -> Counter[str]:
        return Counter(outcome.outcome for outcome in self.outcomes)

    def summary(self) -> str:
        """e.g. "2 retried, 3 skipped (target missing or discarded)"."""
        counts = self.counts()
        parts = [
            f"{counts[name]} {name.replace('_', ' ')}"
            for name in ("retried", "queued", "deleted", "enqueued", "already_gone")
            if counts[name]
        ]
        skipped = [o for o in self.outcomes if o.outcome == "skipped"]
        if skipped:
            reasons = Counter(o.detail.split(":", 1)[0] for o in skipped)
            if len(reasons) == 1:
                why = next(iter(reasons))
            else:
                why = ", ".join(f"{n} {reason}" for reason, n in reasons.items())
            parts.append(f"{len(skipped)} skipped ({why})")
        return ", ".join(parts) or "nothing to do"


EnqueueKind = Literal[
    "register_for_trn", "retrieve_trn", "update_trainee", "recommend_for_award"
]


@dataclass(frozen=True)
class EnqueueRequest:
    """A new ActiveJob job for one trainee, as a playbook fix asks for it."""

    kind: EnqueueKind
    trainee: TraineeSummary
    timeout: date | None = None


_ENQUEUE_JOBS: dict[EnqueueKind, tuple[str, bool | int]] = {
    # kind: (job class, Sidekiq retry option Register declares for it)
    "register_for_trn": (REGISTER_JOB, 0),
    "retrieve_trn": (RETRIEVE_TRN_JOB, True),
    "update_trainee": (UPDATE_JOB, 0),
    "recommend_for_award": (AWARD_JOB, True),
}
# The kind of enqueue that makes a job of this class.
ENQUEUE_KINDS: dict[str, EnqueueKind] = {
    job_class: kind for kind, (job_class, _retry) in _ENQUEUE_JOBS.items()
}


@dataclass(frozen=True)
class _Claim:
    """One job a retry takes from its set and pushes, with what it pushes."""

    job: FailedJob
    trainee_id: int | None
    queue: str
    payload: str


_SKIP_LABELS = {
    "unreadable": "unreadable",
    "malformed": "malformed entry",
    "orphan": "target missing or discarded",
    "not_in_a_set": "not in retry, dead or schedule",
    "update_first": "update job first",
}


class JobActions:
    """Retry, delete and enqueue against one Redis, with a journal.

    `major` is the Sidekiq major that runs the jobs (TRIAGE_SIDEKIQ_VERSION): it
    decides the unit of `enqueued_at` and the wrapper class of new jobs. `clock`
    gives epoch seconds (tests fix it).
    """

    def __init__(
        self,
        redis: Any,
        *,
        writes_enabled: bool,
        operator: str,
        journal: Journal | None,
        major: SidekiqMajor = "6",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.writes_enabled = writes_enabled
        self.operator = operator
        self.journal = journal
        self.major = major
        self.clock = clock
        self._claim_and_push = redis.register_script(_CLAIM_AND_PUSH)

    # --- retry ------------------------------------------------------------------

    def _plan_retries(
        self,
        jobs: Sequence[FailedJob],
        resolutions: Mapping[GlobalIdRef, Resolution] | None,
        allow_orphans: bool,
        *,
        advice: bool,
        force: bool = False,
    ) -> tuple[list[_Claim], list[tuple[Skip, Resolution]], list[str]]:
        """What a retry of `jobs` would push, what it skips, and its warnings.

        `advice` adds the playbook's word on each job that it does not advise
        retrying (for previews). An award job whose trainee's update job has not
        gone through is skipped, unless `force` (then it is only a warning).
        """
        now = self.clock()
        claims: list[_Claim] = []
        skips: list[tuple[Skip, Resolution]] = []
        warnings: list[str] = []
        for job in _unique(jobs):
            resolution = _resolution(job, resolutions)
            skip = _retry_skip(job, resolution, allow_orphans)
            if skip:
                skips.append((skip, resolution))
                continue
            if resolution.is_orphan:
                warnings.append(f"{job.jid}: will fail again: {resolution.note}")
            waits = award_waits_for(self.redis, job)
            if waits and not force:
                skip = Skip(job.jid, job.where, "update_first", waits)
                skips.append((skip, resolution))
                continue
            if waits:
                warnings.append(f"{job.jid}: retried with force although {waits}")
            case = classify(job).case if advice else None
            if case is not None and not case.retry_advised:
                fixes = ", ".join(case.fixes) or "none"
                warnings.append(
                    f"{job.jid}: {case.title}: the playbook does not advise a "
                    f"retry (fixes: {fixes}); DQT will likely refuse it again"
                )
            claims.append(
                _Claim(
                    job,
                    _trainee_id_of(job, resolutions),
                    job.queue or DEFAULT_QUEUE,
                    self._pushed_payload(job, now),
                )
            )
        return claims, skips, warnings

    def preview_retry(
        self,
        jobs: Sequence[FailedJob],
        *,
        resolutions: Mapping[GlobalIdRef, Resolution] | None = None,
        allow_orphans: bool = False,
        force: bool = False,
    ) -> ActionPreview:
        """Members removed and payloads pushed, in order; skips and warnings."""
        claims, skips, warnings = self._plan_retries(
            jobs, resolutions, allow_orphans, advice=True, force=force
        )
        steps: list[PlannedStep] = []
        for claim in claims:
            job, queue = claim.job, f"{QUEUE_PREFIX}{claim.queue}"
            verb = "retry" if job.where != "schedule" else "add to queue"
            steps.append(
                PlannedStep(
                    "remove",
                    job.where,
                    job.jid,
                    claim.trainee_id,
                    f"remove {job.jid} ({job.job_class}) from {job.where}",
                    member=job.raw,
                )
            )
            steps.append(
                PlannedStep(
                    "push",
                    queue,
                    job.jid,
                    claim.trainee_id,
                    f"{verb}: push {job.jid} to {queue}" + _retry_count_note(job),
                    payload=claim.payload,
                )
            )
        skipped = tuple(skip for skip, _ in skips)
        return ActionPreview("retry", tuple(steps), skipped, tuple(warnings))

    def retry(
        self,
        jobs: Sequence[FailedJob],
        *,
        reason: str | None,
        resolutions: Mapping[GlobalIdRef, Resolution] | None = None,
        allow_orphans: bool = False,
        force: bool = False,
    ) -> ActionReport:
        """Retry each job once; a member already gone is reported, never pushed.

        An award job waits for its trainee's update job (see `update_first`)
        unless `force`.
        """
        snapshot = list(_unique(jobs))  # fixed before anything is claimed
        self._require_writes("jobs.retry", snapshot, reason)

        claims, skips, warnings = self._plan_retries(
            snapshot, resolutions, allow_orphans, advice=False, force=force
        )
        outcomes = [_skipped(skip, resolution) for skip, resolution in skips]
        outcomes += self._claim_all(claims)
        report = ActionReport("retry", tuple(outcomes), tuple(warnings))
        self._journal("jobs.retry", report, reason)
        return report

    def _pushed_payload(self, job: FailedJob, now: float) -> str:
        # Decoded again with the standard library: its floats and key order give
        # back exactly what Ruby's generator writes.
        payload = json.loads(job.raw)
        if job.where == "schedule":
            pushed = wire.queued_payload(payload, now=now, major=self.major)
        else:
            pushed = wire.retried_payload(payload, now=now, major=self.major)
        return wire.dumps(pushed)

    def _claim_all(self, claims: list[_Claim]) -> list[JobOutcome]:
        outcomes: list[JobOutcome] = []
        for start in range(0, len(claims), _PIPELINE_CHUNK):
            chunk = claims[start : start + _PIPELINE_CHUNK]
            started = time.perf_counter()
            # Each script call is atomic on its own; the pipeline only saves
            # round trips, so a failure of one job cannot undo another.
            pipe = self.redis.pipeline(transaction=False)
            for claim in chunk:
                self._claim_and_push(
                    keys=[claim.job.where, f"{QUEUE_PREFIX}{claim.queue}", QUEUES_KEY],
                    args=[claim.job.raw, claim.payload, claim.queue],
                    client=pipe,
                )
            results = pipe.execute()
            took = (time.perf_counter() - started) / max(len(chunk), 1)
            for claim, claimed in zip(chunk, results, strict=True):
                job, trainee_id, queue = claim.job, claim.trainee_id, claim.queue
                verb: Outcome = "queued" if job.where == "schedule" else "retried"
                outcome: Outcome = verb if claimed == 1 else "already_gone"
                detail = (
                    f"pushed to {QUEUE_PREFIX}{queue}"
                    if claimed == 1
                    else f"no longer in {job.where}: nothing pushed"
                )
                outcomes.append(JobOutcome(job.jid, trainee_id, outcome, detail))
                _log_action("retry", job, trainee_id, outcome, took)
        return outcomes

    # --- delete -------------------------------------------------------------------

    def preview_delete(self, jobs: Sequence[FailedJob]) -> ActionPreview:
        steps = []
        skipped = []
        for job in _unique(jobs):
            if not job.in_sorted_set:
                skipped.append(
                    Skip(
                        job.jid, job.where, "not_in_a_set", _SKIP_LABELS["not_in_a_set"]
                    )
                )
                continue
            label = job.job_class or "unreadable entry"
            steps.append(
                PlannedStep(
                    "remove",
                    job.where,
                    job.jid,
                    None,
                    f"delete {job.jid or '?'} ({label}) from {job.where}",
                    member=job.raw,
                )
            )
        return ActionPreview("delete", tuple(steps), tuple(skipped))

    def delete(
        self,
        jobs: Sequence[FailedJob],
        *,
        reason: str | None,
        resolutions: Mapping[GlobalIdRef, Resolution] | None = None,
    ) -> ActionReport:
        """ZREM of each exact member: "deleted" or "already gone".

        Each outcome names the job's trainee (from `resolutions`, or the job's
        own `Trainee/<id>` argument) so that the journal says whose job it was.
        """
        snapshot = list(_unique(jobs))
        self._require_writes("jobs.delete", snapshot, reason)
        removed = self._remove_all([job for job in snapshot if job.in_sorted_set])

        outcomes = []
        for job in snapshot:
            if not job.in_sorted_set:
                skip = Skip(job.jid, job.where, "not_in_a_set", "not in a sorted set")
                outcomes.append(_skipped(skip, NO_TARGET))
                continue
            count, took = removed[(job.where, job.raw)]
            outcome: Outcome = "deleted" if count == 1 else "already_gone"
            trainee = _trainee_id_of(job, resolutions)
            outcomes.append(JobOutcome(job.jid, trainee, outcome, f"from {job.where}"))
            _log_action("delete", job, trainee, outcome, took)
        report = ActionReport("delete", tuple(outcomes))
        self._journal("jobs.delete", report, reason)
        return report

    def _remove_all(
        self, jobs: Sequence[FailedJob]
    ) -> dict[tuple[str, bytes], tuple[int, float]]:
        """ZREM of each exact member, pipelined: (members removed, seconds) each."""
        removed: dict[tuple[str, bytes], tuple[int, float]] = {}
        for start in range(0, len(jobs), _PIPELINE_CHUNK):
            chunk = jobs[start : start + _PIPELINE_CHUNK]
            started = time.perf_counter()
            pipe = self.redis.pipeline(transaction=False)
            for job in chunk:
                pipe.zrem(job.where, job.raw)
            counts = pipe.execute()
            took = (time.perf_counter() - started) / len(chunk)
            for job, count in zip(chunk, counts, strict=True):
                removed[(job.where, job.raw)] = (int(count), took)
        return removed

    # --- enqueue ------------------------------------------------------------------

    def build_job(self, request: EnqueueRequest) -> dict[str, Any]:
        """The new job's payload, as Rails' Sidekiq adapter writes it."""
        job_class, retry = _ENQUEUE_JOBS[request.kind]
        trainee = request.trainee
        if request.kind == "recommend_for_award":
            self._check_award_enqueue(trainee)
        arguments: list[Any]
        if request.kind == "retrieve_trn":
            if trainee.trn_request_id is None:
                raise ActionRefused(
                    f"trainee {trainee.id} has no TRN request row to poll for"
                )
            if request.timeout is None:
                raise ActionRefused("a polling job needs a timeout date")
            arguments = [
                wire.globalid("Dqt::TrnRequest", trainee.trn_request_id),
                wire.date_argument(request.timeout),
            ]
        else:
            arguments = [wire.globalid("Trainee", trainee.id)]
        now = datetime.fromtimestamp(self.clock(), UTC)
        return wire.new_activejob_job(
            job_class, arguments, now=now, major=self.major, retry=retry
        )

    def _check_award_enqueue(self, trainee: TraineeSummary) -> None:
        """Refuse an award job DQT would refuse, or one that would run twice."""
        problem = None
        if trainee.state != TraineeState.recommended_for_award:
            problem = (
                f"trainee {trainee.id} is {trainee.state_label}, not recommended "
                "for award"
            )
        elif not trainee.has_trn:
            problem = f"trainee {trainee.id} has no TRN: DQT cannot award without one"
        else:
            live = live_award_jobs(self.redis, trainee.id)
            if live:
                jobs = ", ".join(job.describe() for job in live)
                problem = (
                    f"trainee {trainee.id} already has a {AWARD_JOB} on its way "
                    f"({jobs})"
                )
        if problem is not None:
            log.warning("enqueue %s refused: %s", AWARD_JOB, problem)
            raise ActionRefused(problem)

    def _today(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).date()

    def preview_enqueue(self, request: EnqueueRequest) -> ActionPreview:
        payload = self.build_job(request)
        warnings = _enqueue_warnings(request, self._today())
        step = PlannedStep(
            "push",
            f"{QUEUE_PREFIX}{payload['queue']}",
            payload["jid"],
            request.trainee.id,
            f"enqueue {payload['wrapped']} for trainee {request.trainee.id} "
            f"on {QUEUE_PREFIX}{payload['queue']}",
            payload=wire.dumps(payload),
        )
        return ActionPreview("enqueue", (step,), (), tuple(warnings))

    def enqueue(self, request: EnqueueRequest, *, reason: str | None) -> ActionReport:
        """LPUSH the new job and SADD its queue in one MULTI, as Sidekiq's client."""
        self._require_writes("jobs.enqueue", [], reason, trainee_id=request.trainee.id)
        try:
            payload = self.build_job(request)
        except ActionRefused as refusal:
            self._journal_refusal(
                "jobs.enqueue", str(refusal), [], reason, request.trainee.id
            )
            raise
        queue = payload["queue"]
        started = time.perf_counter()
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(QUEUES_KEY, queue)
        pipe.lpush(f"{QUEUE_PREFIX}{queue}", wire.dumps(payload))
        pipe.execute()
        log.info(
            "redis enqueue %s jid=%s trainee=%s outcome=enqueued %.4f s",
            payload["wrapped"],
            payload["jid"],
            request.trainee.id,
            time.perf_counter() - started,
        )
        outcome = JobOutcome(
            payload["jid"],
            request.trainee.id,
            "enqueued",
            f"{payload['wrapped']} on {QUEUE_PREFIX}{queue}",
        )
        warnings = _enqueue_warnings(request, self._today())
        report = ActionReport("enqueue", (outcome,), tuple(warnings))
        self._journal("jobs.enqueue", report, reason, trainee_id=request.trainee.id)
        return report

    # --- the rules every write follows ------------------------------------------

    def _require_writes(
        self,
        action: str,
        jobs: Sequence[FailedJob],
        reason: str | None,
        *,
        trainee_id: int | None = None,
    ) -> None:
        problem = None
        if not self.writes_enabled:
            problem = "writes are disabled (set TRIAGE_ALLOW_WRITES=true)"
        elif not (reason and reason.strip()):
            problem = "a reason is required"
        if problem is None:
            return
        log.warning("%s refused: %s", action, problem)
        self._journal_refusal(action, problem, jobs, reason, trainee_id)
        raise ActionRefused(problem)

    def _journal_refusal(
        self,
        action: str,
        problem: str,
        jobs: Sequence[FailedJob],
        reason: str | None,
        trainee_id: int | None,
    ) -> None:
        if self.journal is None:
            return
        self.journal.append(
            JournalEntry(
                operator=self.operator,
                action=action,
                outcome="refused",
                summary=f"{action} refused: {problem}",
                target=_target(jobs, trainee_id),
                comment=reason,
            )
        )

    def _journal(
        self,
        action: str,
        report: ActionReport,
        reason: str | None,
        *,
        trainee_id: int | None = None,
    ) -> None:
        if self.journal is None:
            return
        counts = report.counts()
        done = sum(
            counts[name] for name in ("retried", "queued", "deleted", "enqueued")
        )
        outcome = "applied" if done == len(report.outcomes) else "partial"
        if done == 0:
            # No job to act on is not a change applied: journalled as refused.
            outcome = "failed" if report.outcomes else "refused"
        trainee_ids = sorted(
            {o.trainee_id for o in report.outcomes if o.trainee_id is not None}
        )
        self.journal.append(
            JournalEntry(
                operator=self.operator,
                action=action,
                outcome=outcome,  # type: ignore[arg-type]
                summary=f"{action}: {report.summary()}",
                target={
                    "jids": [o.jid for o in report.outcomes],
                    "trainee_ids": trainee_ids or ([trainee_id] if trainee_id else []),
                },
                detail={
                    "outcomes": [
                        {
                            "jid": o.jid,
                            "trainee_id": o.trainee_id,
                            "outcome": o.outcome,
                            "detail": o.detail,
                        }
                        for o in report.outcomes
                    ],
                    "warnings": list(report.warnings),
                },
                comment=reason,
            )
        )


def _unique(jobs: Sequence[FailedJob]) -> list[FailedJob]:
    """Each exact member once, in the order given."""
    seen: set[tuple[str, bytes]] = set()
    unique = []
    for job in jobs:
        key = (job.where, job.raw)
        if key not in seen:
            seen.add(key)
            unique.append(job)
    return unique


def _trainee_id_of(
    job: FailedJob, resolutions: Mapping[GlobalIdRef, Resolution] | None
) -> int | None:
    """The trainee a job is about: resolved, or its own `Trainee/<id>` argument."""
    resolved = _resolution(job, resolutions).trainee_id
    if resolved is not None:
        return resolved
    target = job.target
    if target is not None and target.model == "Trainee" and target.id.isdigit():
        return int(target.id)
    return None


def _resolution(
    job: FailedJob, resolutions: Mapping[GlobalIdRef, Resolution] | None
) -> Resolution:
    if resolutions is None:
        return NO_TARGET
    return resolution_of(job, dict(resolutions))


def _retry_skip(
    job: FailedJob, resolution: Resolution, allow_orphans: bool
) -> Skip | None:
    if not job.readable:
        detail = f"unreadable: {job.parse_error}; only delete is possible"
        return Skip(job.jid, job.where, "unreadable", detail)
    if job.problems:
        detail = f"malformed entry: {', '.join(job.problems)}"
        return Skip(job.jid, job.where, "malformed", detail)
    if not job.in_sorted_set:
        return Skip(job.jid, job.where, "not_in_a_set", _SKIP_LABELS["not_in_a_set"])
    if resolution.is_orphan and not allow_orphans:
        detail = f"target missing or discarded: {resolution.note}"
        return Skip(job.jid, job.where, "orphan", detail)
    return None


def _skipped(skip: Skip, resolution: Resolution) -> JobOutcome:
    label = _SKIP_LABELS[skip.reason]
    detail = skip.detail if skip.detail.startswith(label) else f"{label}: {skip.detail}"
    trainee_id = resolution.trainee_id
    target = resolution.target
    if trainee_id is None and target is not None and target.model == "Trainee":
        # A missing trainee is still named by the job's own argument.
        trainee_id = int(target.id) if target.id.isdigit() else None
    return JobOutcome(skip.jid, trainee_id, "skipped", detail)


def _retry_count_note(job: FailedJob) -> str:
    count = job.retry_count
    if job.where == "schedule" or count is None:
        return ", fresh enqueued_at"
    return f", retry_count {count} -> {count - 1}, fresh enqueued_at"


def _enqueue_warnings(request: EnqueueRequest, today: date) -> list[str]:
    trainee = request.trainee
    warnings = []
    if trainee.discarded_at is not None:
        warnings.append(f"trainee {trainee.id} is discarded")
    if request.kind == "register_for_trn" and trainee.has_trn:
        warnings.append(
            f"trainee {trainee.id} already has a TRN: Register's job does nothing"
        )
    if request.kind == "update_trainee" and not trainee.has_trn:
        warnings.append(
            f"trainee {trainee.id} has no TRN: the update fails without one"
        )
    timeout = request.timeout
    if request.kind == "retrieve_trn" and timeout and timeout <= today:
        warnings.append("the timeout is not in the future: polling stops at once")
    return warnings


def _target(jobs: Sequence[FailedJob], trainee_id: int | None) -> dict[str, Any]:
    target: dict[str, Any] = {"jids": [job.jid for job in jobs]}
    if trainee_id is not None:
        target["trainee_id"] = trainee_id
    return target


def _log_action(
    what: str, job: FailedJob, trainee_id: Any, outcome: str, seconds: float
) -> None:
    log.info(
        "redis %s %s jid=%s trainee=%s outcome=%s %.4f s",
        what,
        job.where,
        job.jid,
        trainee_id if trainee_id is not None else "-",
        outcome,
        seconds,
    )
