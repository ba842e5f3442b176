"""Undo a withdrawal made in error, as Register's "Undo withdrawal" does.

The state to restore is read from the audits (the old value of the last change
into withdrawn, compared as integers whichever form the audit holds); when the
audits do not say, Register's default, TRN received, is used and the preview
says so. The withdrawal columns are emptied and, unlike the old console recipe,
an audit row is always written. A failed `WithdrawTraineeJob` of the trainee is
deleted after the commit: retried, it would withdraw the trainee on DQT again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.fixes import dqt_view
from services.fixes.base import Fix, FixContext, Preview
from services.fixes.common import (
    changes_between,
    discarded_reason,
    enqueue_update_param,
    load_trainee,
    optional_update_job,
    trainee_preview,
)
from services.fixes.single_job import failed_jobs_deleted
from services.playbook import WITHDRAW_JOB
from services.register import enums
from services.register.audits import previous_state_before_withdrawal
from services.register.enums import TraineeState

WITHDRAWAL_COLUMNS = ("withdraw_reason", "withdraw_date", "additional_withdraw_reason")


class Unwithdraw(Fix):
    name = "unwithdraw"
    title = "Undo a withdrawal"
    description = (
        "Restore the state the trainee had before being withdrawn (from the "
        "audits) and empty the withdrawal fields."
    )
    # Register's own "Undo withdrawal" enqueues the update job, so the default
    # follows it.
    params = (enqueue_update_param("yes"),)

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        row = load_trainee(ctx, target)
        warnings: list[str] = []

        blocked = discarded_reason(row)
        if not blocked and row["state"] != TraineeState.withdrawn:
            blocked = f"the trainee is {enums.state_label(row['state'])}, not withdrawn"

        changes: tuple = ()
        new_state: int | None = None
        if not blocked:
            with ctx.engine.connect() as conn:
                previous = previous_state_before_withdrawal(conn, row["id"])
            if previous.found:
                warnings.append(
                    f"previous state {previous.label} from audit version "
                    f"{previous.audit_version}"
                )
            else:
                warnings.append(previous.note)
            if (
                previous.state == TraineeState.trn_received
                and not (row["trn"] or "").strip()
            ):
                warnings.append(
                    "the state restored is TRN received but the trainee has no TRN"
                )
            new_state = previous.state
            new_values: dict[str, Any] = {"state": new_state}
            new_values.update({column: None for column in WITHDRAWAL_COLUMNS})
            changes = changes_between(row, new_values)

        calls: tuple[str, ...] = ()
        if not blocked and ctx.dqt_base_url:
            view = dqt_view.compare(ctx, row)
            calls = view.calls
            warnings += dqt_withdrawal_notes(view, new_state)
        else:
            warnings.append(
                "if DQT already recorded the withdrawal (ITT result Withdrawn), the "
                "update job asks DQT to un-withdraw it: DQT refuses un-withdrawing "
                "to deferred (10026)"
            )
        update_job, notes = optional_update_job(values, row, new_state)
        withdrawals, deletes, delete_notes = failed_jobs_deleted(
            ctx,
            row,
            WITHDRAW_JOB,
            blocked=blocked,
            why="retried after the undo it would withdraw the trainee on DQT again",
        )
        notes += delete_notes
        # Deleted before the update job is enqueued: the withdrawal must not run.
        redis_changes = (*deletes, *update_job)

        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"undo the withdrawal of trainee {row['id']}",
            members=[(job.where, job.raw) for job in withdrawals],
            db_changes=changes,
            redis_changes=redis_changes,
            dqt_calls=calls,
            warnings=warnings + notes,
            blocked=blocked,
        )


def dqt_withdrawal_notes(view: dqt_view.DqtView, new_state: int | None) -> list[str]:
    """What DQT's ITT result means for undoing the withdrawal there too."""
    if not view.found or view.comparison is None:
        return [
            f"DQT could not be read ({view.sentence}): if DQT recorded the "
            "withdrawal, the update job asks DQT to un-withdraw it"
        ]
    field = view.comparison.by_name("itt.result")
    result = (field.dqt if field else None) or "no result"
    if not result.startswith("Withdrawn"):
        return [f"DQT shows the ITT result {result}: DQT has no withdrawal to undo"]
    notes = [
        "DQT shows the ITT result Withdrawn: the update job (enqueue_update=yes) "
        "asks DQT to un-withdraw it; DQT refuses un-withdrawing to deferred "
        "(10026), an assessment-only route without UnderAssessment (10024) and "
        "UnderAssessment on another route (10025)"
    ]
    if new_state == TraineeState.deferred:
        notes.append(
            "the state restored is deferred: DQT will refuse the un-withdrawal "
            "(10026); ask the DQT team to reverse the withdrawal"
        )
    return notes
