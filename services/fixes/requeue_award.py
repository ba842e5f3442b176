"""Send a pending award to DQT again: a new Dqt::RecommendForAwardJob.

Pending awards whose award job is gone (deleted, or lost from the dead set) and
whom DQT does not show awarded wait for ever: nothing will ask DQT again. This
fix enqueues `Dqt::RecommendForAwardJob(trainee)` as Register's
`perform_later` does (retry true). It is refused when the trainee is not
recommended for award, has no TRN, or already has an award job queued,
scheduled, waiting in retry or running; and when DQT already shows the award
(then award on Register's side instead).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.fixes import dqt_view
from services.fixes.base import Fix, FixContext, Preview, RedisChange
from services.fixes.common import (
    discarded_reason,
    enqueue_change,
    load_trainee,
    trainee_preview,
)
from services.fixes.redis_steps import job_actions
from services.playbook import AWARD_JOB
from services.sidekiq.actions import ActionRefused, EnqueueRequest
from services.sidekiq.resolve import find_trainee


class RequeueAward(Fix):
    name = "requeue_award"
    title = "Send the award to DQT again"
    description = (
        "Enqueue Dqt::RecommendForAwardJob for a trainee recommended for award "
        "who has no award job left and whom DQT does not show awarded."
    )
    needs_dqt = True

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        row = load_trainee(ctx, target)
        blocked = discarded_reason(row)
        summary = find_trainee(ctx.engine, str(row["id"]))
        if not blocked and summary is None:
            blocked = f"trainee {row['id']} is gone"

        warnings: list[str] = []
        if not blocked and summary is not None:
            try:
                planned = job_actions(ctx).preview_enqueue(
                    EnqueueRequest("recommend_for_award", summary)
                )
                warnings += planned.warnings
            except ActionRefused as refusal:
                blocked = str(refusal)

        calls: tuple[str, ...] = ()
        if not blocked:
            view = dqt_view.compare(ctx, row)
            calls = view.calls
            if view.award_date is not None:
                blocked = (
                    f"DQT already shows {view.award_type} on {view.award_date}: "
                    "award the trainee on Register's side (award_on_register) "
                    "instead"
                )
            elif not view.found:
                warnings.append(
                    f"DQT could not be checked for the award: {view.sentence}"
                )

        changes: tuple[RedisChange, ...] = ()
        if not blocked:
            changes = (enqueue_change(row, AWARD_JOB, "recommend-for-award"),)
        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"send the award of trainee {row['id']} to DQT again",
            redis_changes=changes,
            dqt_calls=calls,
            warnings=warnings,
            blocked=blocked,
            next_steps=(
                "check that the RecommendForAwardJob succeeds (not in retry or dead)",
            ),
        )
