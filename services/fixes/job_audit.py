"""The audit row of a fix that changes no field, only the trainee's Sidekiq jobs.

Register audits changed fields, so a retried, deleted or enqueued job leaves no
trace there by itself. Such a fix still writes one audit row on the trainee, in
the form of the other fixes' rows, with no field changed and a comment that is
the operator's, then one line per job step ("register-triage: deleted
Dqt::UpdateTraineeJob <jid> from the dead set"). The row is written in the
fix's transaction, before the Redis steps run, like every other fix's audit.
"""

from __future__ import annotations

from services.fixes.base import Preview, RedisChange
from services.register.audits import job_note


def writes_job_audit(preview: Preview) -> bool:
    """True when applying `preview` writes the job-only audit row."""
    return (
        preview.trainee_id is not None
        and not preview.db_changes
        and bool(preview.redis_changes)
    )


def job_line(change: RedisChange) -> str:
    """One Sidekiq step in the past tense, as the audit comment names it."""
    where = f" from the {change.set_name} set" if change.set_name else ""
    if change.kind == "retry":
        forced = (
            " (forced, although the update had not gone through)"
            if change.force
            else ""
        )
        return f"retried {change.job_class} {change.jid}{where}{forced}"
    if change.kind == "delete":
        return f"deleted {change.job_class} {change.jid}{where}"
    if change.kind == "ordered_start":
        return f"started the ordered retry: {change.description}"
    if change.trn_request_id is not None and change.timeout is not None:
        return (
            f"enqueued {change.job_class} for TRN request {change.trn_request_id}, "
            f"polling until {change.timeout}"
        )
    return f"enqueued {change.job_class}"


def job_lines(preview: Preview) -> list[str]:
    return [job_line(change) for change in preview.redis_changes]


def preview_lines(preview: Preview) -> list[str]:
    """What the confirmation says about the audit row this fix writes."""
    if not writes_job_audit(preview):
        return []
    lines = [
        f"+ an audit row on trainee {preview.trainee_id}: no field changed, so "
        "Register's timeline shows nothing new; its comment is yours, then:"
    ]
    lines += [f"  {job_note(line)}" for line in job_lines(preview)]
    return lines
