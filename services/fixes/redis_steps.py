"""Running one previewed Sidekiq step through the job actions.

The Sidekiq semantics (exact-member ZREM, retry re-encoding, ActiveJob
payloads) belong to `services.sidekiq.actions`; this module only turns a
`RedisChange` into the matching call and its result into one line, or raises
`RedisStepError` saying what did not happen. The fix journals the whole
operation itself, so the actions are given no journal of their own.
"""

from __future__ import annotations

import logging

import redis as redis_lib

from services.fixes.base import FixContext, RedisChange
from services.sidekiq.actions import (
    ENQUEUE_KINDS,
    ActionRefused,
    ActionReport,
    EnqueueRequest,
    JobActions,
)
from services.sidekiq.jobs import parse_member
from services.sidekiq.resolve import TraineeSummary, find_trainee

log = logging.getLogger(__name__)


class RedisStepError(Exception):
    """A Redis step did not happen; the message says why."""


def job_actions(ctx: FixContext) -> JobActions:
    return JobActions(
        ctx.redis,
        writes_enabled=ctx.writes_enabled,
        operator=ctx.operator,
        journal=None,
        major=ctx.sidekiq_major,
        clock=lambda: ctx.now().timestamp(),
    )


def run(ctx: FixContext, change: RedisChange, *, reason: str) -> str:
    """Do `change`; return a line saying what was done."""
    try:
        if change.kind == "ordered_start":
            # Imported here: the ordered retry fix itself uses this module.
            from services.fixes.ordered_retry import start_plan

            return start_plan(ctx, change, reason)
        report = _run(ctx, change, reason)
    except LookupError as error:
        raise RedisStepError(f"{change.description} did not happen: {error}") from error
    except (redis_lib.RedisError, OSError) as error:
        raise RedisStepError(
            f"Redis error during {change.description}: {type(error).__name__}: {error}"
        ) from error
    except ActionRefused as refusal:
        raise RedisStepError(f"{change.description} refused: {refusal}") from refusal

    outcome = report.outcomes[0] if report.outcomes else None
    # "queued" is a scheduled entry added to its queue: Sidekiq's add_to_queue.
    done = ("retried", "queued", "deleted", "enqueued")
    if outcome is None or outcome.outcome not in done:
        what = outcome.detail if outcome else "nothing happened"
        raise RedisStepError(f"{change.description} did not happen: {what}")
    return f"Sidekiq: {change.description} ({outcome.outcome}, jid {outcome.jid})"


def _run(ctx: FixContext, change: RedisChange, reason: str) -> ActionReport:
    actions = job_actions(ctx)
    if change.kind in ("retry", "delete"):
        if change.set_name is None or change.member is None:
            raise RedisStepError(f"{change.description}: no member recorded")
        job = parse_member(change.set_name, change.member, None)
        if change.kind == "retry":
            return actions.retry(
                [job], reason=reason, allow_orphans=True, force=change.force
            )
        return actions.delete([job], reason=reason)

    kind = ENQUEUE_KINDS.get(change.job_class)
    if kind is None or change.trainee_id is None:
        raise RedisStepError(f"cannot enqueue {change.job_class} from a fix")
    if kind == "recommend_for_award":
        # The award's checks (state, TRN) are made again on the row as it is now.
        found = find_trainee(ctx.engine, str(change.trainee_id))
        if found is None:
            raise RedisStepError(f"trainee {change.trainee_id} is gone")
        request = EnqueueRequest(kind=kind, trainee=found)
        return actions.enqueue(request, reason=reason)
    trainee = TraineeSummary(
        id=change.trainee_id,
        slug=change.slug or "",
        first_names=None,
        last_name=None,
        trn=None,
        state=None,
        provider_id=None,
        provider_name=None,
        training_route=None,
        discarded_at=None,
        submitted_for_trn_at=None,
        recommended_for_award_at=None,
        trn_request_id=change.trn_request_id,
    )
    request = EnqueueRequest(kind=kind, trainee=trainee, timeout=change.timeout)
    return actions.enqueue(request, reason=reason)
