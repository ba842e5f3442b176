"""Change the training route with Register's RouteDataManager rules.

When (and only when) the route actually changes, RouteDataManager empties the
course and funding fields, because they were chosen for the old route; for a
draft trainee it also marks the course and funding sections incomplete; for an
early-years route it fills in the fixed early-years course details. It does not
send anything to DQT: the update job is offered as an optional step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.fixes.base import Fix, FixContext, FixInputError, ParamSpec, Preview
from services.fixes.common import (
    changes_between,
    discarded_reason,
    enqueue_update_param,
    load_trainee,
    optional_update_job,
    trainee_preview,
)
from services.register import enums
from services.register.enums import TraineeState, TrainingRoute

# RouteDataManager's list (2023-06): emptied when the route changes.
CLEARED_ON_ROUTE_CHANGE = (
    "course_uuid",
    "course_education_phase",
    "course_subject_one",
    "course_subject_two",
    "course_subject_three",
    "course_min_age",
    "course_max_age",
    "itt_start_date",
    "itt_end_date",
    "study_mode",
    "training_initiative",
    "applying_for_bursary",
    "applying_for_scholarship",
    "applying_for_grant",
    "bursary_tier",
)

# `set_early_years_course_details`.
EARLY_YEARS_DEFAULTS: dict[str, Any] = {
    "course_subject_one": "Early years teaching",
    "course_min_age": 0,
    "course_max_age": 5,
    "course_education_phase": int(enums.CourseEducationPhase.early_years),
}

# Progress sections RouteDataManager marks incomplete, for draft trainees only.
RESET_PROGRESS_SECTIONS = ("course_details", "funding")


def parse_route(text: str) -> TrainingRoute:
    route = enums.coerce(TrainingRoute, text.strip())
    if route is None or route not in enums.DQT_ERA_ROUTES:
        names = ", ".join(member.name for member in sorted(enums.DQT_ERA_ROUTES))
        raise FixInputError(f"unknown training route {text!r}; one of: {names}")
    return route


def route_change_values(row: Mapping[Any, Any], route: TrainingRoute) -> dict[str, Any]:
    """The columns RouteDataManager assigns when moving `row` to `route`."""
    values: dict[str, Any] = {"training_route": int(route)}
    values.update({column: None for column in CLEARED_ON_ROUTE_CHANGE})
    if row["state"] == TraineeState.draft:
        progress = dict(row["progress"] or {})
        for section in RESET_PROGRESS_SECTIONS:
            progress[section] = False
        values["progress"] = progress
    if route in enums.EARLY_YEARS_ROUTES:
        values.update(EARLY_YEARS_DEFAULTS)
    return values


class ChangeRoute(Fix):
    name = "change_route"
    title = "Change the training route"
    description = (
        "Set a new training route with RouteDataManager's rules; the course and "
        "funding details are emptied for the provider to enter again."
    )
    params = (
        ParamSpec(
            "route",
            "the new route, Register's name (e.g. school_direct_salaried)",
            required=True,
        ),
        enqueue_update_param("no"),
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        route = parse_route(values["route"])
        row = load_trainee(ctx, target)

        blocked = discarded_reason(row)
        if not blocked and row["training_route"] == int(route):
            blocked = (
                f"the route is already {enums.route_label(route)}; RouteDataManager "
                "changes nothing when the route is unchanged"
            )
        changes = (
            () if blocked else changes_between(row, route_change_values(row, route))
        )

        warnings = [
            "this does not update DQT (RouteDataManager never did); "
            "enqueue_update=yes sends the new route",
            "ask the provider to enter the emptied course and funding details again",
        ]
        if route in enums.EARLY_YEARS_ROUTES:
            warnings.append(
                "Register also sets the early-years allocation subject; this product "
                "does not read allocation_subjects, so course_allocation_subject_id "
                "is left as it is"
            )
        if row["state"] in (TraineeState.recommended_for_award, TraineeState.awarded):
            warnings.append(
                f"the trainee is {enums.state_label(row['state'])}: DQT refuses "
                "updates once QTS/EYTS is held"
            )
        redis_changes, notes = optional_update_job(values, row)

        return trainee_preview(
            self.name,
            row,
            values,
            summary=(
                f"change the route of trainee {row['id']} from "
                f"{enums.route_label(row['training_route'])} to "
                f"{enums.route_label(route)}"
            ),
            db_changes=changes,
            redis_changes=redis_changes,
            warnings=warnings + notes,
            blocked=blocked,
        )
