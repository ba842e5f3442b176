"""Retry or delete one failed job of a trainee, as a fix like any other.

These wrap the job actions so that the TUI has one way to call every write:
previewed, checked again at apply (the exact member must still be there),
journalled. Deleting an update job refused with "Teacher already has QTS/EYTS
date" (the award/update race) is allowed only when Register and DQT agree, or
when the operator gives a reason for deleting it anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from sqlalchemy.engine import RowMapping

from services.fixes import dqt_view
from services.fixes.base import (
    Fix,
    FixContext,
    ParamSpec,
    Preview,
    RedisChange,
)
from services.fixes.common import (
    discarded_reason,
    load_trainee,
    trainee_preview,
    yes_no,
)
from services.fixes.jobs import belongs_to, find_job, resolved_jobs
from services.fixes.redis_steps import job_actions
from services.fixes.rows import find_trn_request
from services.playbook import classify
from services.sidekiq.jobs import FailedJob
from services.sidekiq.resolve import resolve_jobs

RACE_CASE = "already_has_qts_race"
# DQT refused a TRN request: a person it already has. Deleted only with a reason.
ALREADY_QUALIFIED_CASE = "trn_request_already_qualified"


def jid_param() -> ParamSpec:
    return ParamSpec("jid", "the job's jid (from the failed-jobs list)", required=True)


def locate_job(
    ctx: FixContext, row: RowMapping, jid: str
) -> tuple[FailedJob | None, str | None]:
    """The job, or why it cannot be acted on for this trainee."""
    job = find_job(ctx.redis, jid)
    if job is None:
        return None, f"no job {jid} in the retry, dead or schedule sets"
    with ctx.engine.connect() as conn:
        request = find_trn_request(conn, row["id"])
    request_id = None if request is None else int(request["id"])
    if not belongs_to(job, int(row["id"]), request_id):
        about = job.target or "no record"
        return job, f"job {jid} is about {about}, not trainee {row['id']}"
    return job, None


def _member_change(
    kind: Literal["retry", "delete"], job: FailedJob, *, force: bool = False
) -> RedisChange:
    forced = " --force" if force else ""
    return RedisChange(
        kind=kind,
        description=f"{kind} {job.jid} ({job.job_class}) from {job.where}"
        + (" (forced)" if force else ""),
        job_class=job.job_class or "?",
        jid=job.jid,
        set_name=job.where,
        member=job.raw,
        manual_command=f"triage jobs {kind} {job.jid}{forced} --reason TEXT",
        force=force,
    )


def retry_change(job: FailedJob, *, force: bool = False) -> RedisChange:
    return _member_change("retry", job, force=force)


def delete_change(job: FailedJob) -> RedisChange:
    return _member_change("delete", job)


def failed_jobs_deleted(
    ctx: FixContext, row: RowMapping, job_class: str, *, blocked: str | None, why: str
) -> tuple[list[FailedJob], tuple[RedisChange, ...], list[str]]:
    """The trainee's failed `job_class` jobs, deleted after the fix's commit.

    For fixes that undo what the job would redo: `why` finishes the note
    "the failed <job_class> is deleted: ...". A blocked preview deletes none.
    """
    jobs, notes = (
        ([], []) if blocked else resolved_jobs(ctx.redis, row["id"], job_class)
    )
    if jobs:
        notes.append(f"the failed {job_class} is deleted: {why}")
    return jobs, tuple(delete_change(job) for job in jobs), notes


def _members(job: FailedJob | None, changes: tuple[RedisChange, ...]) -> list:
    """The job's exact member for the fingerprint, when the preview acts on it."""
    return [(job.where, job.raw)] if changes and job is not None else []


def retry_warnings(
    ctx: FixContext, job: FailedJob, *, force: bool = False
) -> tuple[list[str], str | None]:
    """The job actions' own warnings, and why the retry cannot run (if so).

    An award job whose trainee's update job has not gone through is refused
    (pointing to the ordered retry) unless `force`.
    """
    preview = job_actions(ctx).preview_retry(
        [job],
        resolutions=resolve_jobs(ctx.engine, [job]),
        allow_orphans=True,
        force=force,
    )
    blocked = preview.skipped[0].detail if preview.skipped else None
    return list(preview.warnings), blocked


class RetryJob(Fix):
    name = "retry"
    title = "Retry a failed job"
    description = (
        "Push one failed job back to its queue, as Sidekiq's Retry does. An award "
        "job waits for the trainee's failed update job (ordered_retry) unless forced."
    )
    params = (
        jid_param(),
        ParamSpec(
            "force",
            "yes to retry an award job although the trainee's update job has not "
            "gone through (the ordered retry is the safe way)",
            default="no",
        ),
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        row = load_trainee(ctx, target)
        force = yes_no("force", values["force"])
        job, blocked = locate_job(ctx, row, values["jid"])
        warnings: list[str] = []
        changes: tuple[RedisChange, ...] = ()
        if job is not None and not blocked:
            warnings, blocked = retry_warnings(ctx, job, force=force)
            blocked = blocked or discarded_reason(row)
            if not blocked:
                changes = (retry_change(job, force=force),)

        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"retry job {values['jid']} of trainee {row['id']}",
            members=_members(job, changes),
            redis_changes=changes,
            warnings=warnings,
            blocked=blocked,
        )


class DeleteJob(Fix):
    name = "delete_job"
    title = "Delete a failed job"
    description = (
        "Remove one failed job. An update job refused because DQT already holds "
        "the award is deleted only when Register and DQT agree, or with a reason; "
        "a TRN request DQT refused (person already qualified) only with a reason."
    )
    needs_dqt = True
    params = (
        jid_param(),
        ParamSpec(
            "reason",
            "why to delete a race-refused update job although Register and DQT "
            "differ (or DQT cannot be asked), or a refused TRN request job (what "
            "the DQT team said)",
        ),
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        row = load_trainee(ctx, target)
        job, blocked = locate_job(ctx, row, values["jid"])
        warnings: list[str] = []
        calls: tuple[str, ...] = ()
        changes: tuple[RedisChange, ...] = ()

        if job is not None and not blocked:
            case_key = classify(job).key
            if case_key == ALREADY_QUALIFIED_CASE and values.get("reason"):
                warnings.append(
                    "DQT refused the TRN request because it already holds this "
                    f"person with QTS/EYTS; deleting because: {values['reason']}"
                )
            elif case_key == ALREADY_QUALIFIED_CASE:
                blocked = (
                    "DQT refused the TRN request because it already holds a person "
                    "with QTS/EYTS (a duplicate person or a returning teacher): "
                    "compare with DQT's find and ask the DQT team first; give "
                    "reason=... (what they said) to delete the job"
                )
            elif case_key == RACE_CASE:
                view = dqt_view.compare(ctx, row)
                calls = tuple(view.calls)
                problem = view.disagreement()
                if problem and values.get("reason"):
                    warnings.append(
                        f"{problem}; deleting anyway because: {values['reason']}"
                    )
                elif problem:
                    blocked = (
                        f"{problem}: this is not only the award/update race, so the "
                        "update may still be needed; speak to DQT or the provider, "
                        "or give reason=... to delete anyway"
                    )
                else:
                    warnings.append(
                        "Register and DQT agree: the update has nothing left to send"
                    )
            changes = () if blocked else (delete_change(job),)

        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"delete job {values['jid']} of trainee {row['id']}",
            members=_members(job, changes),
            redis_changes=changes,
            dqt_calls=calls,
            warnings=warnings,
            blocked=blocked,
        )
