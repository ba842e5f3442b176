"""Date of birth mismatch: show both values and correct the side that is wrong.

DQT identifies a teacher by TRN and date of birth, so a mismatch makes every
update, withdraw or award job for the trainee fail with 404 10001. The operator
says which value is right (`right=register` or `right=dqt`):
- DQT is right: Register's date of birth is changed, with an audit row, and the
  failed job (`jid=...`) can be retried after the commit;
- Register is right: nothing is written; the preview carries the message for
  the DQT team, and the job is retried once DQT has corrected its record.

When DQT cannot be read (the look-up itself may fail on the mismatch), DQT's
value can be given as `dqt_date_of_birth`, as the DQT team reported it; with
`right=register` the message for the DQT team is still written, saying that
their value could not be read and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

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
    join_lines,
    load_trainee,
    one_of,
    trainee_preview,
)
from services.fixes.single_job import locate_job, retry_change
from services.fixes.values import ValueProblem, parse_date

RIGHT_SIDES = ("register", "dqt")


def dqt_team_message(
    slug: str,
    trn: str | None,
    register_dob: date,
    unreadable: str | None = None,
) -> str:
    """The message for the DQT team; `unreadable` says why DQT's value is unknown."""
    trainee = f"trainee {slug}" + (f" (TRN {trn})" if trn else "")
    if unreadable is None:
        why = (
            f"Our jobs for {trainee} (update, withdraw, award) fail with 404 "
            "10001 because DQT and Register hold different dates of birth."
        )
    else:
        why = (
            f"Our jobs for {trainee} (update, withdraw, award) fail with 404 "
            "10001. We could not read the "
            f"date of birth DQT holds: {unreadable}. The date of birth (or an "
            "inactive TRN) may be the cause."
        )
    return join_lines(
        [
            "Hello DQT team,",
            "",
            f"{why} The provider confirms the date of birth is "
            f"{register_dob:%d %B %Y} ({register_dob.isoformat()}).",
            "",
            "Could you check the record and correct it on DQT's side? We will then "
            "send the trainee's record again.",
        ]
    )


class AlignDateOfBirth(Fix):
    name = "align_date_of_birth"
    title = "Align the date of birth with DQT"
    description = (
        "Show Register's and DQT's dates of birth; fix Register's with an audit "
        "row, or write the message asking DQT to fix theirs."
    )
    needs_dqt = True
    params = (
        ParamSpec(
            "right", "which side holds the right date: register or dqt", required=True
        ),
        ParamSpec("dqt_date_of_birth", "DQT's value, when DQT cannot be read"),
        ParamSpec("jid", "a failed job to retry after Register is corrected"),
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        right = one_of("right", values["right"], RIGHT_SIDES)
        row = load_trainee(ctx, target)
        ours: date | None = row["date_of_birth"]

        view = dqt_view.compare(ctx, row)
        theirs = view.date_of_birth
        blocked = discarded_reason(row)
        warnings: list[str] = []
        if theirs is None and "dqt_date_of_birth" in values:
            try:
                theirs = parse_date(values["dqt_date_of_birth"])
            except ValueProblem as bad_value:
                blocked = blocked or f"dqt_date_of_birth: {bad_value}"
            warnings.append("DQT's date of birth as given, not read from DQT")
        # Register is right and DQT could not be read: the DQT team is told so.
        unreadable = view.sentence if theirs is None and right == "register" else None
        if theirs is None and not blocked and unreadable is None:
            blocked = (
                f"DQT's date of birth is not known ({view.sentence}); ask the DQT "
                "team and give it as dqt_date_of_birth=YYYY-MM-DD"
            )
        if unreadable is not None:
            warnings.insert(0, f"DQT's date of birth could not be read: {unreadable}")
        elif ours != theirs:
            warnings.insert(
                0,
                f"date of birth: Register has {ours or 'none'}, "
                f"DQT has {theirs or '?'}",
            )
        if not blocked and ours == theirs:
            blocked = "Register and DQT hold the same date of birth: nothing to align"

        changes: tuple = ()
        redis_changes: tuple[RedisChange, ...] = ()
        members = []
        message = None
        next_steps: tuple[str, ...] = ()
        if not blocked and right == "dqt":
            changes = changes_between(row, {"date_of_birth": theirs})
            if "jid" in values:
                job, not_found = locate_job(ctx, row, values["jid"])
                blocked = not_found
                if job is not None and not not_found:
                    redis_changes = (retry_change(job),)
                    members = [(job.where, job.raw)]
            else:
                next_steps = ("retry the failed job (jid=... does it in one go)",)
        elif not blocked and ours is not None:
            message = dqt_team_message(row["slug"], row["trn"], ours, unreadable)
            next_steps = (
                "send the message to the DQT team",
                "once DQT has corrected it, retry the failed job",
            )
        elif not blocked:
            blocked = "Register has no date of birth to give DQT"

        return trainee_preview(
            self.name,
            row,
            values,
            summary=(
                f"align the date of birth of trainee {row['id']} "
                f"({'Register' if right == 'dqt' else 'DQT'} to be corrected)"
            ),
            members=members,
            db_changes=changes,
            redis_changes=redis_changes,
            dqt_calls=view.calls,
            warnings=warnings,
            blocked=blocked,
            message=message,
            read_only=right == "register",
            next_steps=next_steps,
        )
