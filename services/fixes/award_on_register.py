"""Award on Register's side a trainee DQT has already awarded.

Playbook, 400 "Teacher has no incomplete ITT record" (10005) from the award job:
the trainee may be stuck in recommended for award although DQT holds the QTS
or EYTS date; if everything else matches, award on Register's side. This fix
reads DQT during the preview and refuses unless DQT shows the award date and
the rest of the record agrees. `awarded_at` is DQT's date (at midnight UTC,
the way a date lands in a Rails datetime column), as Register's award job
stores the date DQT returns.

The failed award job is deleted after the commit by default: retrying it
would only be refused by DQT again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time

from services.fixes import dqt_view
from services.fixes.base import (
    Fix,
    FixContext,
    ParamSpec,
    Preview,
    RedisChange,
)
from services.fixes.common import (
    changes_between,
    discarded_reason,
    load_trainee,
    trainee_preview,
    yes_no,
)
from services.fixes.jobs import trainee_jobs
from services.fixes.single_job import delete_change
from services.playbook import AWARD_JOB
from services.register import enums
from services.register.enums import TraineeState


class AwardOnRegister(Fix):
    name = "award_on_register"
    title = "Award on Register's side"
    description = (
        "Record the award DQT already holds for a trainee stuck in recommended for "
        "award (only when DQT shows the date and everything else matches)."
    )
    needs_dqt = True
    params = (
        ParamSpec(
            "delete_award_job",
            "yes to delete the trainee's failed RecommendForAwardJob afterwards",
            default="yes",
        ),
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        row = load_trainee(ctx, target)
        award = enums.award_type(row["training_route"])

        blocked = discarded_reason(row)
        if not blocked and row["state"] != TraineeState.recommended_for_award:
            blocked = (
                f"the trainee is {enums.state_label(row['state'])}, not recommended "
                "for award"
            )

        calls: tuple[str, ...] = ()
        changes: tuple = ()
        warnings: list[str] = []
        if not blocked:
            view = dqt_view.compare(ctx, row)
            calls = view.calls
            day = view.award_date
            if not view.found:
                blocked = f"DQT could not be read: {view.sentence}"
            elif day is None:
                blocked = (
                    f"DQT does not show a {award} date, so the trainee is not "
                    "awarded there: do not award on Register's side"
                )
            elif problem := view.disagreement(ignore=dqt_view.AWARD_FIELDS):
                blocked = f"{problem}; check with the provider before awarding"
            else:
                warnings.append(f"DQT shows {award} on {day}; everything else matches")
                changes = changes_between(
                    row,
                    {
                        "state": int(TraineeState.awarded),
                        "awarded_at": datetime.combine(day, time(0, 0)),
                    },
                )

        redis_changes: tuple[RedisChange, ...] = ()
        members = []
        if not blocked and yes_no("delete_award_job", values["delete_award_job"]):
            failed = [
                job
                for job in trainee_jobs(ctx.redis, row["id"])
                if job.job_class == AWARD_JOB and job.where in ("retry", "dead")
            ]
            redis_changes = tuple(delete_change(job) for job in failed)
            members = [(job.where, job.raw) for job in failed]

        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"record DQT's {award} award for trainee {row['id']}",
            members=members,
            db_changes=changes,
            redis_changes=redis_changes,
            dqt_calls=calls,
            warnings=warnings,
            blocked=blocked,
        )
