"""Applying a preview: checked again, all-or-nothing in the database, then Redis.

Order of work, and why:
1. Refuse without writes enabled, without a comment, or when the preview itself
   said the fix cannot be applied. Refusals are journalled too.
2. In ONE transaction: lock the trainee row (`FOR UPDATE`), compare it, the TRN
   request row and the Sidekiq members with the preview's fingerprint, and refuse
   naming every difference. Then write the columns, `updated_at` and the audit
   row (one `request_uuid` for the whole fix) and commit. A fix that changes no
   field, only the trainee's jobs, writes its audit row too (no field changed,
   the job steps in the comment: see `job_audit`), after checking that Redis
   answers, so that a Redis already down changes nothing at all.
3. Only after the commit, the Redis steps in order. Redis cannot join a
   PostgreSQL transaction, so the database goes first: if Redis then fails,
   Register's data is already right and what is missing is a job, which the
   journal's "partial" entry names with the command that does it by hand.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import redis as redis_lib
from sqlalchemy import update

from services.fixes import job_audit, redis_steps
from services.fixes.base import FixContext, Outcome, OutcomeStatus, Preview
from services.fixes.rows import (
    find_trainee,
    member_differences,
    related_differences,
    row_differences,
)
from services.journal import JournalEntry
from services.register.audits import write_trainee_audit, write_trainee_job_audit
from services.register.schema import metadata, trainees

log = logging.getLogger(__name__)


class _Refusal(Exception):
    def __init__(self, reason: str, differences: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.differences = differences or []


def apply(ctx: FixContext, preview: Preview, comment: str) -> Outcome:
    """Apply exactly `preview`; never raises for a refusal or a failure."""
    started = time.perf_counter()
    request_uuid = str(uuid.uuid4())
    comment = (comment or "").strip()

    outcome = _apply(ctx, preview, comment, request_uuid)

    _journal(ctx, preview, outcome, comment)
    log.info(
        "fix %s trainee %s: %s (%s) in %.3f s",
        preview.fix,
        preview.trainee_id,
        outcome.status,
        outcome.summary,
        time.perf_counter() - started,
    )
    return outcome


def _apply(
    ctx: FixContext, preview: Preview, comment: str, request_uuid: str
) -> Outcome:
    def result(status: OutcomeStatus, summary: str, **extra: Any) -> Outcome:
        return Outcome(
            status=status,
            fix=preview.fix,
            trainee_id=preview.trainee_id,
            summary=summary,
            request_uuid=request_uuid,
            **extra,
        )

    # 1. Refusals that need no reading.
    if not ctx.writes_enabled:
        return result(
            "refused",
            "writes are disabled (set TRIAGE_ALLOW_WRITES=true to allow fixes); "
            "nothing was changed",
        )
    if not comment:
        return result("refused", "a comment is required: say why (e.g. a ticket)")
    if preview.blocked:
        return result("refused", f"cannot apply: {preview.blocked}")
    if preview.read_only:
        return result(
            "previewed",
            "nothing to write: this fix only produces information",
            message=preview.message,
        )

    # 2. The database, in one transaction with the checks.
    try:
        audit_ids = _database_step(ctx, preview, comment, request_uuid)
    except _Refusal as refusal:
        return result(
            "refused",
            refusal.reason,
            detail={"changed_since_preview": refusal.differences},
        )
    except redis_lib.RedisError as error:
        return result(
            "failed",
            "Redis could not be read to check the jobs, nothing was changed: "
            f"{type(error).__name__}: {error}",
        )
    except Exception as error:  # noqa: BLE001 - reported, journalled, not raised
        log.exception("fix %s: database step failed", preview.fix)
        return result(
            "failed",
            f"database error, nothing was changed: {type(error).__name__}: {error}",
            left_to_do=tuple(
                change.describe_for_record() for change in preview.db_changes
            ),
        )

    done = [
        f"database: {change.describe_for_record()}" for change in preview.db_changes
    ]
    done += [f"database: {write.describe()}" for write in preview.related_writes]
    if audit_ids:
        done.append(f"audit row {', '.join(map(str, audit_ids))} written")

    # 3. Redis, step by step, after the commit.
    for index, change in enumerate(preview.redis_changes):
        try:
            done.append(redis_steps.run(ctx, change, reason=comment))
        except redis_steps.RedisStepError as error:
            left = [
                f"{later.description}: run `{later.manual_command}`"
                for later in preview.redis_changes[index:]
            ]
            committed = bool(preview.db_changes or preview.related_writes)
            audited = bool(audit_ids) and not committed
            status: OutcomeStatus = (
                "partial" if committed or audited or index else "failed"
            )
            what = (
                "the database changes were committed"
                if committed
                else "the audit row naming these job steps was written"
                if audited
                else "earlier Redis steps ran"
                if index
                else "nothing was changed"
            )
            return result(
                status,
                f"{what}, but the Redis step failed ({error}); "
                f"left to do: {'; '.join(left)}",
                audit_ids=tuple(audit_ids),
                done=tuple(done),
                left_to_do=tuple(left),
            )

    summary = "; ".join(done) if done else "applied"
    return result("applied", summary, audit_ids=tuple(audit_ids), done=tuple(done))


def _database_step(
    ctx: FixContext, preview: Preview, comment: str, request_uuid: str
) -> list[int]:
    """Check the fingerprint and write the columns and the audit, atomically."""
    fingerprint = preview.fingerprint
    with ctx.engine.begin() as conn:
        differences: list[str] = []
        row = None
        if fingerprint.trainee_id is not None:
            row = find_trainee(conn, fingerprint.trainee_id, for_update=True)
            differences += row_differences(fingerprint, row)
            differences += related_differences(conn, fingerprint)
        differences += member_differences(ctx.redis, fingerprint)
        if differences:
            raise _Refusal(
                "refused: the record changed since the preview: "
                + "; ".join(differences)
                + ". Preview again.",
                differences,
            )

        now = ctx.now_naive_utc()
        _write_related(conn, preview, now)
        if row is None:
            return []
        if job_audit.writes_job_audit(preview):
            # Redis runs after the commit: asked now, a Redis already down
            # rolls the audit back instead of leaving it naming undone steps.
            ctx.redis.ping()
            return [
                write_trainee_job_audit(
                    conn,
                    trainee_id=int(row["id"]),
                    provider_id=int(row["provider_id"]),
                    comment=comment,
                    job_lines=job_audit.job_lines(preview),
                    username=ctx.audit_username,
                    request_uuid=request_uuid,
                    now=now,
                )
            ]
        if not preview.db_changes:
            return []

        values = {change.column: change.new for change in preview.db_changes}
        conn.execute(
            update(trainees)
            .where(trainees.c.id == row["id"])
            .values(**values, updated_at=now)
        )
        audit_id = write_trainee_audit(
            conn,
            trainee_id=int(row["id"]),
            provider_id=int(row["provider_id"]),
            changes={
                change.column: [change.old, change.new] for change in preview.db_changes
            },
            comment=comment,
            username=ctx.audit_username,
            request_uuid=request_uuid,
            now=now,
        )
        return [audit_id]


def _write_related(conn: Any, preview: Preview, now: Any) -> None:
    """Related rows' columns, each only if it still holds the previewed value."""
    for write in preview.related_writes:
        table = metadata.tables[write.table]
        column = table.c[write.column]
        done = conn.execute(
            update(table)
            .where(table.c.id == write.row_id, column == write.old)
            .values({write.column: write.new, "updated_at": now})
        )
        if done.rowcount != 1:
            raise _Refusal(
                f"refused: {write.table} {write.row_id} {write.column} changed "
                "since the preview. Preview again.",
                [f"{write.table} {write.row_id} {write.column} changed"],
            )


def _journal(ctx: FixContext, preview: Preview, outcome: Outcome, comment: str) -> None:
    detail: dict[str, Any] = {
        "db_changes": [change.to_dict() for change in preview.db_changes],
        "related_writes": [write.to_dict() for write in preview.related_writes],
        "redis_changes": [change.to_dict() for change in preview.redis_changes],
        "done": list(outcome.done),
        "left_to_do": list(outcome.left_to_do),
        "fingerprint": preview.fingerprint.digest,
        **dict(outcome.detail),
    }
    if outcome.audit_ids:
        detail["audit_ids"] = list(outcome.audit_ids)
    try:
        ctx.journal.append(
            JournalEntry(
                operator=ctx.operator,
                action=f"fix:{preview.fix}",
                outcome=outcome.status,
                summary=outcome.summary,
                target=_target(preview),
                detail=detail,
                comment=comment or None,
                request_uuid=outcome.request_uuid,
            )
        )
    except OSError:
        # The change is made; losing its journal line must be loud, not fatal.
        log.exception("fix %s: could not write the journal entry", preview.fix)


def _target(preview: Preview) -> dict[str, Any]:
    target: dict[str, Any] = {"trainee_id": preview.trainee_id, "slug": preview.slug}
    jids = [change.jid for change in preview.redis_changes if change.jid]
    if jids:
        target["jids"] = jids
    return target


def journal_preview(ctx: FixContext, preview: Preview) -> None:
    """Record that a read-only fix was looked at (there is nothing to apply)."""
    try:
        ctx.journal.append(
            JournalEntry(
                operator=ctx.operator,
                action=f"fix:{preview.fix}",
                outcome="previewed",
                summary=preview.summary,
                target=_target(preview),
                detail={"warnings": list(preview.warnings), "blocked": preview.blocked},
            )
        )
    except OSError:
        log.exception("fix %s: could not write the journal entry", preview.fix)
