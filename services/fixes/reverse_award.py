"""Reverse an incorrect award: back to TRN received, award dates emptied.

This is the playbook's "incorrectly awarded trainee" on Register's side only:
DQT must first remove the QTS/EYTS award on its side (this product cannot),
otherwise DQT and Register disagree again.

A failed `RecommendForAwardJob` of the trainee is deleted after the commit:
retried once the award is reversed, it would ask DQT for the award again.

`outcome_date` is kept by default. In the DQT era it is the date the provider
said the standards were met (sent to DQT as `assessmentDate`); Register did not
award from it. The 2025 playbook also empties it because TRS-era Register awards
itself from `outcome_date`. `clear_outcome_date=yes` empties it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.fixes import dqt_view
from services.fixes.base import Fix, FixContext, ParamSpec, Preview
from services.fixes.common import (
    changes_between,
    discarded_reason,
    enqueue_update_param,
    load_trainee,
    optional_update_job,
    trainee_preview,
    yes_no,
)
from services.fixes.single_job import failed_jobs_deleted
from services.playbook import AWARD_JOB
from services.register import enums
from services.register.enums import TraineeState

REVERSIBLE_STATES = frozenset(
    {TraineeState.awarded, TraineeState.recommended_for_award}
)


class ReverseAward(Fix):
    name = "reverse_award"
    title = "Reverse an incorrect award"
    description = (
        "Set the trainee back to TRN received and empty the recommendation and "
        "award dates (after DQT has removed the award on its side)."
    )
    params = (
        ParamSpec(
            "clear_outcome_date",
            "yes to empty outcome_date as well (the 2025 playbook's rule)",
            default="no",
        ),
        enqueue_update_param("no"),
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        clear_outcome = yes_no("clear_outcome_date", values["clear_outcome_date"])
        row = load_trainee(ctx, target)

        blocked = discarded_reason(row)
        if not blocked and row["state"] not in REVERSIBLE_STATES:
            blocked = (
                f"the trainee is {enums.state_label(row['state'])}: only awarded or "
                "recommended-for-award trainees can have an award reversed"
            )
        if not blocked and not (row["trn"] or "").strip():
            blocked = "the trainee has no TRN, so cannot go back to TRN received"

        new_values: dict[str, Any] = {
            "state": int(TraineeState.trn_received),
            "recommended_for_award_at": None,
            "awarded_at": None,
        }
        award = enums.award_type(row["training_route"])
        calls: tuple[str, ...] = ()
        dqt_award: bool | None = None  # None: DQT was not read
        if not blocked and ctx.dqt_base_url:
            view = dqt_view.compare(ctx, row)
            calls = view.calls
            if view.found:
                dqt_award = view.award_date is not None
        if dqt_award is None:
            warnings = [
                "this changes Register only: if DQT holds the "
                f"{award} award, ask the DQT team to remove it first",
            ]
        elif dqt_award:
            warnings = [
                f"DQT shows {award} on {view.award_date}: this changes Register "
                "only; ask the DQT team to remove the award first",
            ]
        else:
            warnings = [f"DQT shows no {award} award: nothing to remove on DQT"]
        if clear_outcome:
            new_values["outcome_date"] = None
        elif row["outcome_date"] is not None:
            warnings.append(
                "outcome_date is kept: in the DQT era it is the provider's assessment "
                "date and Register did not award from it (clear_outcome_date=yes "
                "empties it)"
            )
        changes = () if blocked else changes_between(row, new_values)

        update_job, notes = optional_update_job(
            values, row, int(TraineeState.trn_received)
        )
        awards, deletes, delete_notes = failed_jobs_deleted(
            ctx,
            row,
            AWARD_JOB,
            blocked=blocked,
            why="retried after the reversal it would ask DQT for the award again",
        )
        notes += delete_notes
        redis_changes = (*deletes, *update_job)
        if update_job and dqt_award is not False:
            notes.append(
                "DQT refuses the update while it still holds the award "
                "(Teacher already has QTS/EYTS date)"
            )

        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"reverse the award of trainee {row['id']}",
            members=[(job.where, job.raw) for job in awards],
            db_changes=changes,
            redis_changes=redis_changes,
            dqt_calls=calls,
            warnings=warnings + notes,
            blocked=blocked,
        )
