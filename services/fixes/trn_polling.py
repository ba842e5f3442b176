"""Getting a TRN again: re-register with DQT, and/or poll for it with a new timeout.

Playbook, "Dqt::RetrieveTrnJob ... has timed out" and "TraineeUpdateMissingTrn":
- the trainee is on DQT but the TRN never arrived: a new `RetrieveTrnJob` for the
  trainee's TRN request with a timeout in the future (restart_trn_polling);
- the trainee is not on DQT: `RegisterForTrnJob` then that same polling job
  (reregister_for_trn).
The timeout defaults to four days from today, like the playbook's
`Date.today + 4.days`, and must be in the future: a past timeout makes the job
give up after one poll.

The failed jobs both fixes resolve are deleted after the new jobs are enqueued
(so that a Redis failure between the two loses nothing): the trainee's failed
`RetrieveTrnJob` (the new polling job replaces it) and an `UpdateTraineeJob`
refused for want of a TRN (it would fail the same way until the TRN arrives;
the playbook: the trainee's data is sent once the TRN arrives).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import RowMapping

from services.fixes.base import (
    Fix,
    FixContext,
    FixInputError,
    ParamSpec,
    Preview,
    RedisChange,
)
from services.fixes.common import (
    REGISTER_FOR_TRN_JOB,
    discarded_reason,
    enqueue_change,
    load_trainee,
    trainee_preview,
)
from services.fixes.jobs import failed_jobs_of, trainee_jobs
from services.fixes.rows import find_trn_request, trn_request_snapshot
from services.fixes.single_job import delete_change
from services.fixes.values import ValueProblem, parse_date
from services.playbook import RETRIEVE_TRN_JOB, UPDATE_JOB, classify
from services.register import enums
from services.register.enums import TraineeState
from services.sidekiq.jobs import FailedJob

DEFAULT_TIMEOUT_DAYS = 4
# Polling further ahead hides a TRN request DQT will never answer: past this,
# ask DQT instead.
MAX_TIMEOUT_DAYS = 90

# The playbook cases of an update job refused because the trainee has no TRN.
MISSING_TRN_CASES = frozenset({"update_missing_trn", "no_trn_yet_405"})

# Why the failed jobs a fix resolves are deleted, in the preview.
RESOLVED = (
    "the new polling job replaces a failed one, and an update refused for want "
    "of a TRN would fail the same way until the TRN arrives (its data is sent "
    "then)"
)


def timeout_param() -> ParamSpec:
    return ParamSpec(
        "timeout",
        "the date polling stops (YYYY-MM-DD; default today + 4 days, at most "
        f"{MAX_TIMEOUT_DAYS} days ahead)",
    )


def parse_timeout(text: str | None, today: date) -> tuple[date | None, str | None]:
    """(timeout, None) or (None, why it cannot be used)."""
    if text is None:
        return today + timedelta(days=DEFAULT_TIMEOUT_DAYS), None
    try:
        day = parse_date(text)
    except ValueProblem as problem:
        return None, str(problem)
    if day <= today:
        return None, f"the timeout {day} is not in the future (today is {today})"
    latest = today + timedelta(days=MAX_TIMEOUT_DAYS)
    if day > latest:
        # Raised, not blocked: the form opens again with the limit named.
        raise FixInputError(
            f"the timeout {day} is more than {MAX_TIMEOUT_DAYS} days ahead: give "
            f"a date up to {latest} (if DQT needs longer, ask them why)"
        )
    return day, None


def _polling_change(row: RowMapping, request: RowMapping, timeout: date) -> RedisChange:
    return RedisChange(
        kind="enqueue",
        description=(
            f"enqueue {RETRIEVE_TRN_JOB} for TRN request {request['id']} of trainee "
            f"{row['id']}, polling until {timeout}"
        ),
        job_class=RETRIEVE_TRN_JOB,
        trainee_id=row["id"],
        slug=row["slug"],
        trn_request_id=request["id"],
        timeout=timeout,
        manual_command=(
            f"triage jobs enqueue retrieve-trn {row['slug']} --timeout {timeout} "
            "--reason TEXT"
        ),
    )


def _register_change(row: RowMapping) -> RedisChange:
    return enqueue_change(row, REGISTER_FOR_TRN_JOB, "register-for-trn")


@dataclass(frozen=True)
class _Request:
    """What both fixes start from: the trainee, its TRN request, the timeout."""

    values: dict[str, str]
    row: RowMapping
    request: RowMapping | None
    timeout: date | None
    blocked: str | None

    def preview(self, fix_name: str, **details: Any) -> Preview:
        shown = dict(self.values)
        if self.timeout is not None:
            shown["timeout"] = self.timeout.isoformat()
        return trainee_preview(
            fix_name,
            self.row,
            shown,
            related=trn_request_snapshot(self.request),
            **details,
        )


def _read_request(
    fix: Fix, ctx: FixContext, target: str, params: Mapping[str, str]
) -> _Request:
    values = fix.check_params(params)
    timeout, problem = parse_timeout(values.get("timeout"), ctx.today())
    row = load_trainee(ctx, target)
    with ctx.engine.connect() as conn:
        request = find_trn_request(conn, row["id"])

    blocked = discarded_reason(row)
    if not blocked and (row["trn"] or "").strip():
        blocked = f"the trainee already has TRN {row['trn']}: there is nothing to fetch"
    return _Request(values, row, request, timeout, blocked or problem)


def _failed_polls(
    ctx: FixContext, row: RowMapping, request: RowMapping | None
) -> list[FailedJob]:
    """The trainee's failed RetrieveTrnJobs: a new polling job replaces them."""
    if request is None:
        return []
    return failed_jobs_of(ctx.redis, row["id"], RETRIEVE_TRN_JOB, int(request["id"]))


def _updates_missing_trn(ctx: FixContext, row: RowMapping) -> list[FailedJob]:
    return [
        job
        for job in failed_jobs_of(ctx.redis, row["id"], UPDATE_JOB)
        if classify(job).key in MISSING_TRN_CASES
    ]


def _deletes(jobs: list[FailedJob], why: str) -> tuple[list[RedisChange], list[str]]:
    """Delete steps for `jobs`, and the note saying why, when there are any."""
    if not jobs:
        return [], []
    jids = ", ".join(str(job.jid) for job in jobs)
    return [delete_change(job) for job in jobs], [f"deleted afterwards ({jids}): {why}"]


def _polling_warnings(
    ctx: FixContext, row: RowMapping, request: RowMapping | None
) -> list[str]:
    warnings = []
    if row["state"] != TraineeState.submitted_for_trn:
        warnings.append(
            f"the trainee is {enums.state_label(row['state'])}, not submitted for TRN"
        )
    if request is not None:
        running = [
            job
            for job in trainee_jobs(ctx.redis, row["id"], request["id"])
            if job.job_class == RETRIEVE_TRN_JOB and job.where == "schedule"
        ]
        if running:
            jids = ", ".join(str(job.jid) for job in running)
            warnings.append(
                f"a {RETRIEVE_TRN_JOB} for this TRN request is already scheduled "
                f"({jids}): a second one polls twice as often"
            )
    return warnings


class RestartTrnPolling(Fix):
    name = "restart_trn_polling"
    title = "Restart TRN polling"
    description = (
        "Enqueue a RetrieveTrnJob for the trainee's TRN request with a timeout in "
        "the future (the trainee is on DQT but the TRN never arrived)."
    )
    params = (timeout_param(),)

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        read = _read_request(self, ctx, target, params)
        row, request, timeout = read.row, read.request, read.timeout

        blocked = read.blocked
        if not blocked and request is None:
            blocked = (
                "the trainee has no TRN request row, so there is nothing to poll "
                "for: use reregister_for_trn"
            )
        changes: tuple[RedisChange, ...] = ()
        old_polls: list[FailedJob] = []
        notes: list[str] = []
        if not blocked and request is not None and timeout is not None:
            old_polls = _failed_polls(ctx, row, request)
            old_polls += _updates_missing_trn(ctx, row)
            deletes, notes = _deletes(old_polls, RESOLVED)
            changes = (_polling_change(row, request, timeout), *deletes)

        return read.preview(
            self.name,
            summary=f"restart TRN polling for trainee {row['id']}",
            members=[(job.where, job.raw) for job in old_polls],
            redis_changes=changes,
            warnings=_polling_warnings(ctx, row, request) + notes,
            blocked=blocked,
        )


def already_on_dqt(
    ctx: FixContext, row: RowMapping, request: RowMapping | None
) -> tuple[tuple[str, ...], list[str], list[str]]:
    """DQT calls made; why DQT has (or may have) the trainee already; and
    what could not be asked because DQT did not answer.

    Two questions: has DQT completed the trainee's TRN request (its GET), and
    does DQT's find already hold a person matching the trainee? Either way a new
    TRN request would make a duplicate person on DQT.
    """
    from services.fixes import dqt_view
    from services.fixes.record_trn import DQT_CALL, ask_trn_request

    calls: list[str] = []
    warnings: list[str] = []
    unanswered: list[str] = []
    if request is not None:
        calls.append(DQT_CALL)
        trn, status, problem = ask_trn_request(ctx, str(request["request_id"]))
        if problem:
            unanswered.append(f"DQT's TRN request could not be read: {problem}")
        elif trn or status == "Completed":
            warnings.append(
                f"DQT has already completed TRN request {request['id']} "
                f"(status {status}, TRN {trn or 'not given'}): DQT already has the "
                "trainee, so registering again would create a duplicate; use "
                "record_trn instead"
            )

    view = dqt_view.compare(ctx, row)
    calls += view.calls
    teacher = view.comparison.teacher if view.comparison else None
    if view.found and teacher is not None:
        warnings.append(
            f"DQT's find already has this trainee (TRN {teacher.trn}): registering "
            "again would create a duplicate person; use record_trn or "
            "restart_trn_polling instead"
        )
    elif view.outcome == "several_found_by_search":
        warnings.append(
            f"{view.sentence}: DQT may already have the trainee; registering again "
            "could create a duplicate, ask the DQT team first"
        )
    elif view.outcome not in ("no_trn_found_by_search", "found"):
        unanswered.append(
            f"DQT could not be asked whether it already has the trainee: "
            f"{view.sentence}; check with the DQT team before applying"
        )
    return tuple(calls), warnings, unanswered


class ReregisterForTrn(Fix):
    name = "reregister_for_trn"
    title = "Register for a TRN again"
    description = (
        "Enqueue RegisterForTrnJob, then a RetrieveTrnJob with a timeout in the "
        "future (the trainee is not on DQT). The preview asks DQT first whether "
        "it already has the trainee, and refuses when DQT has them, may have "
        "them or cannot be asked (a duplicate otherwise)."
    )
    needs_dqt = True
    params = (timeout_param(),)

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        read = _read_request(self, ctx, target, params)
        row, request, timeout = read.row, read.request, read.timeout
        warnings = _polling_warnings(ctx, row, request)
        changes: tuple[RedisChange, ...] = ()
        calls: tuple[str, ...] = ()
        blocked = read.blocked
        if not blocked:
            calls, duplicate, unanswered = already_on_dqt(ctx, row, request)
            # A second TRN request for a person DQT holds (or may hold) makes a
            # duplicate teacher there, which only the DQT team can undo: refused.
            # When DQT did not answer, the operator is told to check first.
            blocked = "; ".join(duplicate) or None
            warnings = unanswered + warnings
        resolved: list[FailedJob] = []
        if not blocked and timeout is not None:
            changes = (_register_change(row),)
            if request is not None:
                changes += (_polling_change(row, request, timeout),)
                resolved = _failed_polls(ctx, row, request)
                warnings.append(
                    f"{REGISTER_FOR_TRN_JOB} reuses TRN request {request['id']} "
                    f"(request id {request['request_id']}) and enqueues its own "
                    "RetrieveTrnJob, whose timeout comes from submitted_for_trn_at; "
                    f"the one here keeps polling until {timeout}"
                )
            else:
                warnings.append(
                    "there is no TRN request row yet: RegisterForTrnJob creates it "
                    "and enqueues its own RetrieveTrnJob, whose timeout comes from "
                    "submitted_for_trn_at; if that is more than four days ago, run "
                    "restart_trn_polling once the row exists"
                )
            resolved += _updates_missing_trn(ctx, row)
            deletes, notes = _deletes(resolved, RESOLVED)
            changes += tuple(deletes)
            warnings += notes

        return read.preview(
            self.name,
            summary=f"register trainee {row['id']} for a TRN again",
            members=[(job.where, job.raw) for job in resolved],
            redis_changes=changes,
            dqt_calls=calls,
            warnings=warnings,
            blocked=blocked,
            next_steps=("check that the RegisterForTrnJob succeeds (not in dead)",),
        )
