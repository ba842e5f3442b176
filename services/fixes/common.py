"""Small pieces several fixes use: loading the trainee, the optional update job,
building the preview of a change to one trainee."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import RowMapping

from services.fixes.base import (
    FieldChange,
    FixContext,
    FixInputError,
    ParamSpec,
    Preview,
    RedisChange,
)
from services.fixes.rows import find_trainee, make_fingerprint, trainee_ids_with_trn
from services.playbook import REGISTER_JOB, UPDATE_JOB
from services.register import enums
from services.register.enums import TraineeState

# The job classes by the names the fixes use (the playbook defines them).
UPDATE_TRAINEE_JOB = UPDATE_JOB
REGISTER_FOR_TRN_JOB = REGISTER_JOB

_YES = frozenset({"yes", "y", "true", "1", "on"})
_NO = frozenset({"no", "n", "false", "0", "off"})

ENQUEUE_UPDATE_PARAM = "enqueue_update"


def enqueue_update_param(default: str) -> ParamSpec:
    return ParamSpec(
        ENQUEUE_UPDATE_PARAM,
        "yes to enqueue Dqt::UpdateTraineeJob after the change (sends it to DQT)",
        default=default,
    )


def yes_no(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise FixInputError(f"{name} must be yes or no, not {value!r}")


def one_of(name: str, value: str, choices: Sequence[str]) -> str:
    """The choice named by `value` (any case), or FixInputError listing them."""
    text = value.strip().lower()
    if text not in choices:
        listed = f"{', '.join(choices[:-1])} or {choices[-1]}"
        raise FixInputError(f"{name} must be {listed}")
    return text


def load_trainee(ctx: FixContext, target: str) -> RowMapping:
    """The trainee named by slug or id, or FixInputError saying it is not there."""
    if not str(target).strip():
        raise FixInputError("no trainee given (a slug or an id)")
    with ctx.engine.connect() as conn:
        row = find_trainee(conn, target)
    if row is None:
        raise FixInputError(f"no trainee with slug or id {target!r}")
    return row


def trainee_target(ctx: FixContext, text: str) -> str:
    """What an operator typed, as the target fixes take (a slug or an id).

    Seven digits are a TRN (looked up: exactly one trainee must hold it);
    `#123` and `id:123` are ids; anything else is a slug or a numeric id.
    """
    typed = str(text).strip()
    for prefix in ("#", "id:"):
        if typed.lower().startswith(prefix) and typed[len(prefix) :].isdigit():
            return typed[len(prefix) :]
    if not (len(typed) == 7 and typed.isdigit()):
        return typed
    with ctx.engine.connect() as conn:
        ids = trainee_ids_with_trn(conn, typed)
    if not ids:
        raise FixInputError(f"no trainee with TRN {typed} (an id is #{typed})")
    if len(ids) > 1:
        listed = ", ".join(f"#{trainee_id}" for trainee_id in ids)
        raise FixInputError(f"several trainees hold TRN {typed}: {listed}; give one")
    return str(ids[0])


def discarded_reason(row: RowMapping) -> str | None:
    if row["discarded_at"] is not None:
        return (
            f"trainee {row['id']} is discarded (deleted in Register on "
            f"{row['discarded_at']:%Y-%m-%d}); fixes are not applied to deleted records"
        )
    return None


def changes_between(
    row: Mapping[Any, Any], new_values: Mapping[str, Any]
) -> tuple[FieldChange, ...]:
    """Only the columns whose value actually changes, in the order given."""
    return tuple(
        FieldChange(column, row[column], value)
        for column, value in new_values.items()
        if row[column] != value
    )


def enqueue_change(row: RowMapping, job_class: str, command: str) -> RedisChange:
    """A new `job_class(trainee)` job; `command` names it for `triage jobs enqueue`."""
    slug = row["slug"]
    return RedisChange(
        kind="enqueue",
        description=f"enqueue {job_class} for trainee {row['id']}",
        job_class=job_class,
        trainee_id=row["id"],
        slug=slug,
        manual_command=f"triage jobs enqueue {command} {slug} --reason TEXT",
    )


def update_job_change(row: RowMapping) -> RedisChange:
    return enqueue_change(row, UPDATE_TRAINEE_JOB, "update-trainee")


# Register's UpdateTraineeJob sends nothing for a trainee in any other state.
UPDATE_JOB_STATES = frozenset(
    {TraineeState.submitted_for_trn, TraineeState.trn_received, TraineeState.deferred}
)


def update_job_notes(row: RowMapping, state_after: Any = None) -> list[str]:
    """What the optional update job will really do, given the state after the fix."""
    state = row["state"] if state_after is None else state_after
    notes = []
    if state not in UPDATE_JOB_STATES:
        notes.append(
            f"Register's {UPDATE_TRAINEE_JOB} sends nothing for a trainee who is "
            f"{enums.state_label(state)}"
        )
    if not (row["trn"] or "").strip():
        notes.append(f"the trainee has no TRN: {UPDATE_TRAINEE_JOB} fails without one")
    return notes


def optional_update_job(
    values: Mapping[str, str], row: RowMapping, state_after: Any = None
) -> tuple[tuple[RedisChange, ...], list[str]]:
    """The update job and what it will really do, when `enqueue_update=yes`."""
    if not yes_no(ENQUEUE_UPDATE_PARAM, values[ENQUEUE_UPDATE_PARAM]):
        return (), []
    return (update_job_change(row),), update_job_notes(row, state_after)


def trainee_preview(
    fix_name: str,
    row: RowMapping,
    values: Mapping[str, str],
    *,
    summary: str,
    warnings: Iterable[str] = (),
    members: Iterable[tuple[str, bytes]] = (),
    related: Iterable[tuple[str, Any]] = (),
    **details: Any,
) -> Preview:
    """The preview of fix `fix_name` for the trainee `row`.

    The fingerprint holds the row as read plus the Sidekiq `members` and the
    `related` rows the fix depends on; `details` are the rest of the preview
    (changes, DQT calls, blocked reason, message, ...).
    """
    return Preview(
        fix=fix_name,
        trainee_id=row["id"],
        slug=row["slug"],
        summary=summary,
        fingerprint=make_fingerprint(row, related=related, members=members),
        warnings=tuple(warnings),
        params=params_tuple(values),
        **details,
    )


def params_tuple(values: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def join_lines(lines: Iterable[str]) -> str:
    return "\n".join(lines)
