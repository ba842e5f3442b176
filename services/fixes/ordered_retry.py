"""Re-run a trainee's failed update and award jobs in the safe order.

Playbook: when a trainee has both a failed update job and a failed award job,
re-run the update first; once DQT has awarded, it refuses every update. The
order itself is the job actions' ordered retry plan. What this fix adds is the
check the plan leaves to it: DQT is read during the preview, and if DQT already
shows the trainee awarded the update is NOT sent (it would be refused with
"Teacher already has QTS/EYTS date"); compare and delete the update instead.

Two steps, each its own apply, so that the award is released only once the
update has gone through:
- `step=start`: hold the award job(s) and retry the update job(s);
- `step=release`: retry the award job(s), refused while an update job of the
  trainee has failed again, is still queued or is running.
The default, `step=next`, is whichever comes next: start while the trainee has
both a failed update and a failed award job, release once only the award job is
left failed. So the same fix, chosen again, releases the award (in the terminal
app, without typing a step). The terminal app can keep the started plan
(`started_plan`) and poll it.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    one_of,
    trainee_preview,
)
from services.fixes.jobs import trainee_jobs
from services.fixes.redis_steps import job_actions
from services.fixes.rows import find_trn_request
from services.fixes.single_job import retry_change
from services.playbook import AWARD_JOB, UPDATE_JOB, has_failed
from services.sidekiq.ordered import OrderedRetryPlan, ordered_retry_plan
from services.sidekiq.resolve import resolution_of, resolve_jobs
from services.sidekiq.update_first import pending_updates

STEPS = ("next", "start", "release")

# How the fix is named to the operator when it is to be chosen again.
AGAIN = "apply 'Re-run update then award' (ordered_retry) again"

# How the job actions' plan marks the steps that wait for the update.
LATER = "after the update succeeds: "

# Plans started in this process, by trainee id, for the terminal app to poll.
_started: dict[int, OrderedRetryPlan] = {}


def started_plan(trainee_id: int) -> OrderedRetryPlan | None:
    return _started.get(trainee_id)


def build_plan(
    ctx: FixContext, trainee_id: int, trn_request_id: int | None
) -> OrderedRetryPlan | None:
    jobs = trainee_jobs(ctx.redis, trainee_id, trn_request_id)
    if not jobs:
        return None
    resolutions = resolve_jobs(ctx.engine, jobs)
    return ordered_retry_plan(jobs, resolution_of(jobs[0], resolutions))


def start_plan(ctx: FixContext, change: RedisChange, reason: str) -> str:
    """The Redis step of `step=start`: hold the awards, retry the updates."""
    if change.trainee_id is None:
        raise ValueError("an ordered retry needs a trainee")
    plan = build_plan(ctx, change.trainee_id, change.trn_request_id)
    if plan is None:
        raise LookupError("the trainee no longer has both an update and an award job")
    report = plan.start(job_actions(ctx), reason=reason)
    if not plan.pushed_update_jids:
        raise LookupError(f"no update job was retried ({report.summary()})")
    _started[change.trainee_id] = plan
    return (
        f"Sidekiq: ordered retry started ({report.summary()}); once the update has "
        f"gone through, {AGAIN} to release the award"
    )


def next_step(ctx: FixContext, trainee_id: int, trn_request_id: int | None) -> str:
    """start while the update job is failed too, release once only the award is."""
    failed = {
        job.job_class
        for job in trainee_jobs(ctx.redis, trainee_id, trn_request_id)
        if has_failed(job)
    }
    return "release" if AWARD_JOB in failed and UPDATE_JOB not in failed else "start"


def _warnings_for_now(warnings: tuple[str, ...], awards: list) -> list[str]:
    """The plan's warnings without the forced-retry one about its own awards.

    The plan previews the award's release as a forced retry; the warning that
    such a retry skips the ordered retry does not apply inside the ordered
    retry, which releases the award only once the update has gone through.
    """
    held = {f"{job.jid}: retried with force although" for job in awards}
    return [
        warning
        for warning in warnings
        if not any(warning.startswith(prefix) for prefix in held)
    ]


class OrderedRetry(Fix):
    name = "ordered_retry"
    title = "Re-run update then award"
    description = (
        "Retry the trainee's failed update job first and release the award job "
        "only after the update has gone through (never an update once DQT shows "
        "the award)."
    )
    needs_dqt = True
    params = (
        ParamSpec(
            "step",
            "next (whichever comes next), start (retry the update, hold the "
            "award) or release (retry the award)",
            default="next",
        ),
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        step = one_of("step", values["step"], STEPS)
        row = load_trainee(ctx, target)
        with ctx.engine.connect() as conn:
            request = find_trn_request(conn, row["id"])
        request_id = None if request is None else int(request["id"])
        if step == "next":
            step = next_step(ctx, row["id"], request_id)
        if step == "start":
            return self._start(ctx, row, request_id, values)
        return self._release(ctx, row, request_id, values)

    def _start(
        self,
        ctx: FixContext,
        row: RowMapping,
        request_id: int | None,
        values: Mapping[str, str],
    ) -> Preview:
        plan = build_plan(ctx, row["id"], request_id)
        blocked = discarded_reason(row)
        if not blocked and plan is None:
            blocked = (
                "the trainee does not have both a failed update job and a failed "
                "award job: use retry"
            )

        calls: tuple[str, ...] = ()
        warnings: list[str] = []
        changes: tuple[RedisChange, ...] = ()
        members: list[tuple[str, bytes]] = []
        later_steps: list[str] = []
        if not blocked and plan is not None:
            view = dqt_view.compare(ctx, row)
            calls = view.calls
            if not view.found:
                blocked = f"DQT could not be checked first: {view.sentence}"
            elif view.award_date is not None:
                blocked = (
                    f"DQT already shows {view.award_type} on {view.award_date}: it "
                    "refuses updates (Teacher already has QTS/EYTS date), so the "
                    "update is not sent; compare and delete the update job "
                    "(delete_job) instead"
                )
            else:
                planned = plan.preview(job_actions(ctx))
                warnings += _warnings_for_now(planned.warnings, plan.awards)
                now_steps = [
                    step.description
                    for step in planned.steps
                    if not step.description.startswith(LATER)
                ]
                later_steps = [
                    step.description
                    for step in planned.steps
                    if step.description.startswith(LATER)
                ]
                members = [(job.where, job.raw) for job in plan.updates + plan.awards]
                changes = (
                    RedisChange(
                        kind="ordered_start",
                        description="; ".join(now_steps),
                        job_class=UPDATE_JOB,
                        trainee_id=row["id"],
                        slug=row["slug"],
                        trn_request_id=request_id,
                        manual_command=" then ".join(
                            f"triage jobs retry {job.jid} --reason TEXT"
                            for job in plan.updates
                        ),
                    ),
                )

        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"re-run the update then the award of trainee {row['id']}",
            members=members,
            redis_changes=changes,
            dqt_calls=calls,
            warnings=warnings,
            blocked=blocked,
            next_steps=(
                *later_steps,
                f"when the update job has run without failing, {AGAIN}: it "
                "releases the award",
            ),
        )

    def _release(
        self,
        ctx: FixContext,
        row: RowMapping,
        request_id: int | None,
        values: Mapping[str, str],
    ) -> Preview:
        jobs = trainee_jobs(ctx.redis, row["id"], request_id)
        awards = [job for job in jobs if job.job_class == AWARD_JOB and has_failed(job)]
        # Failed again (retry, dead, scheduled), still queued, or running now.
        pending = pending_updates(ctx.redis, row["id"])
        failed = [item for item in pending if item.state.startswith("failed")]
        waiting = [item for item in pending if not item.state.startswith("failed")]

        blocked = discarded_reason(row)
        if not blocked and not awards:
            blocked = "the trainee has no failed award job to release"
        elif not blocked and failed:
            jids = ", ".join(item.describe() for item in failed)
            blocked = (
                f"the update job failed again ({jids}): read its error before "
                "releasing the award"
            )
        elif not blocked and waiting:
            jids = ", ".join(item.describe() for item in waiting)
            blocked = f"the update job has not gone through yet ({jids})"

        changes = () if blocked else tuple(retry_change(job) for job in awards)
        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"release the award job(s) of trainee {row['id']}",
            members=[(job.where, job.raw) for job in awards] if changes else [],
            redis_changes=changes,
            warnings=(
                "a job being worked on right now is not visible here; release only "
                "after the update has finished",
            ),
            blocked=blocked,
        )
