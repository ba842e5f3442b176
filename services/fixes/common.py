"""Small pieces several fixes use: loading the trainee, the optional update job."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.engine import RowMapping

from services.fixes.base import (
    FieldChange,
    FixContext,
    FixInputError,
    ParamSpec,
    RedisChange,
)
from services.fixes.rows import find_trainee

UPDATE_TRAINEE_JOB = "Dqt::UpdateTraineeJob"
REGISTER_FOR_TRN_JOB = "Dqt::RegisterForTrnJob"
RETRIEVE_TRN_JOB = "Dqt::RetrieveTrnJob"

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


def load_trainee(ctx: FixContext, target: str) -> RowMapping:
    """The trainee named by slug or id, or FixInputError saying it is not there."""
    if not str(target).strip():
        raise FixInputError("no trainee given (a slug or an id)")
    with ctx.engine.connect() as conn:
        row = find_trainee(conn, target)
    if row is None:
        raise FixInputError(f"no trainee with slug or id {target!r}")
    return row


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


def update_job_change(row: RowMapping) -> RedisChange:
    slug = row["slug"]
    return RedisChange(
        kind="enqueue",
        description=f"enqueue {UPDATE_TRAINEE_JOB} for trainee {row['id']}",
        job_class=UPDATE_TRAINEE_JOB,
        trainee_id=row["id"],
        slug=slug,
        manual_command=f"triage jobs enqueue update-trainee {slug} --reason TEXT",
    )


def params_tuple(values: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def join_lines(lines: Iterable[str]) -> str:
    return "\n".join(lines)
