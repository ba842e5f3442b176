"""Change one trainee field with an audit comment (the playbook's "data changes").

Only the personal details and dates support is asked to correct are offered;
everything else has its own fix (route, state) or belongs to the provider.
Values are checked the way Register's forms would refuse them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from services.fixes.base import Fix, FixContext, FixInputError, ParamSpec, Preview
from services.fixes.common import (
    changes_between,
    discarded_reason,
    enqueue_update_param,
    load_trainee,
    optional_update_job,
    trainee_preview,
    yes_no,
)
from services.fixes.values import (
    ValueProblem,
    check_date_of_birth,
    check_email,
    parse_date,
    squish,
)

NAME_FIELDS = ("first_names", "middle_names", "last_name")
DATE_FIELDS = (
    "date_of_birth",
    "itt_start_date",
    "itt_end_date",
    "trainee_start_date",
    "outcome_date",
    "defer_date",
    "reinstate_date",
)
EDITABLE_FIELDS = (*NAME_FIELDS, "email", *DATE_FIELDS)
# Register's forms require these; the others may be cleared.
REQUIRED_FIELDS = frozenset({"first_names", "last_name", "date_of_birth"})

_NOT_IN_A_NAME = re.compile(r"[0-9@\x00-\x1f\x7f]")

# Register's trainees columns for names and email are unbounded text and its
# models set no length; a longer value is a paste gone wrong, not a name.
MAX_TEXT_LENGTH = 255


def parse_value(field: str, text: str, *, today: date) -> Any:
    """The typed value for `field`, or ValueProblem with a reason."""
    if field in NAME_FIELDS:
        value = squish(text)
        if not value:
            raise ValueProblem(f"{field} cannot be blank")
        if _NOT_IN_A_NAME.search(value):
            raise ValueProblem(f"{field} {value!r} contains digits or symbols")
        return value
    if field == "email":
        value = squish(text)
        check_email(value)
        return value
    try:
        day = parse_date(text)
    except ValueProblem as problem:
        # Named by its field: the journal keeps no date typed for a date of birth.
        raise ValueProblem(f"{field}: {problem}") from None
    if field == "date_of_birth":
        check_date_of_birth(day, today)
    return day


def date_order_warnings(
    row: Mapping[Any, Any], field: str, value: Any, today: date
) -> list[str]:
    merged = {**row, field: value}
    warnings = []
    if field == "outcome_date" and isinstance(value, date) and value > today:
        warnings.append(f"outcome_date {value} is in the future")
    start, end = merged.get("itt_start_date"), merged.get("itt_end_date")
    if start and end and end <= start:
        warnings.append(f"itt_end_date {end} is not after itt_start_date {start}")
    return warnings


class EditField(Fix):
    name = "edit_field"
    title = "Change a trainee field"
    description = (
        "Correct a name, email or date with an audit comment, as the playbook's "
        "data changes do."
    )
    params = (
        ParamSpec("field", f"one of: {', '.join(EDITABLE_FIELDS)}", required=True),
        ParamSpec("value", "the new value (dates as YYYY-MM-DD or DD/MM/YYYY)"),
        ParamSpec("clear", "yes to empty an optional field instead", default="no"),
        enqueue_update_param("no"),
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        field = values["field"]
        if field not in EDITABLE_FIELDS:
            raise FixInputError(
                f"{field!r} cannot be edited here; "
                f"editable: {', '.join(EDITABLE_FIELDS)}"
            )
        clear = yes_no("clear", values["clear"])
        row = load_trainee(ctx, target)

        blocked = discarded_reason(row)
        new_value: Any = None
        if clear:
            if field in REQUIRED_FIELDS:
                blocked = blocked or f"{field} is required and cannot be cleared"
        elif "value" not in values:
            raise FixInputError("edit_field needs value (or clear=yes)")
        else:
            length = len(squish(values["value"]))
            if field not in DATE_FIELDS and length > MAX_TEXT_LENGTH:
                # Raised, not blocked: the form opens again with the limit named.
                raise FixInputError(
                    f"{field} is {length} characters long; at most "
                    f"{MAX_TEXT_LENGTH} are accepted"
                )
            try:
                new_value = parse_value(field, values["value"], today=ctx.today())
            except ValueProblem as problem:
                blocked = blocked or str(problem)

        changes = () if blocked else changes_between(row, {field: new_value})
        if not blocked and not changes:
            blocked = f"{field} already has that value; nothing to change"

        warnings = (
            [] if blocked else date_order_warnings(row, field, new_value, ctx.today())
        )
        redis_changes, notes = optional_update_job(values, row)
        if not redis_changes:
            notes.append(
                "DQT is not updated by this change; enqueue_update=yes sends it"
            )

        return trainee_preview(
            self.name,
            row,
            values,
            summary=f"change {field} of trainee {row['id']}",
            db_changes=changes,
            redis_changes=redis_changes,
            warnings=warnings + notes,
            blocked=blocked,
        )
