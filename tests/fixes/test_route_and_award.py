"""Changing the route (RouteDataManager's rules) and reversing an award."""

from __future__ import annotations

from datetime import date, datetime

from services import fixes
from tests.fixes.helpers import add_trainee, audit_rows, trainee_row

COURSE = {
    "course_uuid": "5b2c2a0e-0000-4000-8000-000000000001",
    "course_subject_one": "mathematics",
    "course_min_age": 11,
    "course_max_age": 16,
    "course_education_phase": 1,
    "itt_start_date": date(2022, 9, 1),
    "itt_end_date": date(2023, 7, 31),
    "study_mode": 1,
    "training_initiative": 4,
    "applying_for_bursary": True,
    "bursary_tier": 1,
}


def test_change_route_clears_the_course_fields_and_audits_integers(
    engine, provider, ctx
):
    add_trainee(engine, 60, training_route=1, **COURSE)

    preview = fixes.preview(
        ctx, "change_route", "60", {"route": "school_direct_salaried"}
    )
    outcome = fixes.apply(ctx, preview, "Provider asked, Zendesk 9")

    assert outcome.status == "applied", outcome.summary
    row = trainee_row(engine, 60)
    assert row["training_route"] == 4
    for column in COURSE:
        assert row[column] is None, column
    changes = audit_rows(engine, 60)[-1]["audited_changes"]
    assert changes["training_route"] == [1, 4]
    assert changes["study_mode"] == [1, None]
    assert changes["itt_start_date"] == ["2022-09-01", None]
    # Columns that were already empty are not in the audit.
    assert "course_subject_two" not in changes
    assert any("does not update DQT" in warning for warning in preview.warnings)
    assert preview.redis_changes == ()


def test_change_to_an_early_years_route_sets_registers_defaults(engine, provider, ctx):
    add_trainee(
        engine,
        61,
        training_route=1,
        state=0,
        progress={"course_details": True},
        **COURSE,
    )

    preview = fixes.preview(ctx, "change_route", "61", {"route": "8"})
    by_column = {change.column: change.new for change in preview.db_changes}

    assert by_column["training_route"] == 8
    assert by_column["course_subject_one"] == "Early years teaching"
    assert (by_column["course_min_age"], by_column["course_max_age"]) == (0, 5)
    assert by_column["course_education_phase"] == 2
    assert by_column["progress"] == {"course_details": False, "funding": False}
    assert by_column["itt_start_date"] is None


def test_an_unchanged_route_changes_nothing(engine, provider, ctx):
    add_trainee(engine, 62, training_route=4, **COURSE)

    preview = fixes.preview(
        ctx, "change_route", "62", {"route": "school_direct_salaried"}
    )

    assert preview.blocked is not None
    assert "changes nothing when the route is unchanged" in preview.blocked
    assert preview.db_changes == ()


def test_reverse_award_goes_back_to_trn_received_and_keeps_outcome_date(
    engine, provider, ctx
):
    add_trainee(
        engine,
        63,
        state=6,
        outcome_date=date(2023, 6, 5),
        recommended_for_award_at=datetime(2023, 6, 5, 10, 0),
        awarded_at=datetime(2023, 6, 5),
    )

    preview = fixes.preview(ctx, "reverse_award", "63")
    outcome = fixes.apply(ctx, preview, "Awarded in error, DQT removed QTS")

    assert outcome.status == "applied", outcome.summary
    row = trainee_row(engine, 63)
    assert (row["state"], row["awarded_at"], row["recommended_for_award_at"]) == (
        2,
        None,
        None,
    )
    assert row["outcome_date"] == date(2023, 6, 5)
    assert audit_rows(engine, 63)[-1]["audited_changes"] == {
        "state": [6, 2],
        "recommended_for_award_at": ["2023-06-05T10:00:00.000Z", None],
        "awarded_at": ["2023-06-05T00:00:00.000Z", None],
    }
    assert any("outcome_date is kept" in warning for warning in preview.warnings)


def test_reverse_award_refuses_a_trainee_who_was_never_awarded(engine, provider, ctx):
    add_trainee(engine, 64, state=2)

    preview = fixes.preview(ctx, "reverse_award", "64")

    assert preview.blocked is not None
    assert preview.blocked.startswith("the trainee is TRN received")


def test_the_optional_update_job_says_what_register_would_do_with_it(
    engine, provider, ctx
):
    add_trainee(engine, 65, state=6, awarded_at=datetime(2023, 6, 5), **COURSE)

    route = fixes.preview(
        ctx, "change_route", "65", {"route": "assessment_only", "enqueue_update": "yes"}
    )
    reverse = fixes.preview(ctx, "reverse_award", "65", {"enqueue_update": "yes"})

    assert (
        "Register's Dqt::UpdateTraineeJob sends nothing for a trainee who is awarded"
        in route.warnings
    )
    assert not any("sends nothing" in warning for warning in reverse.warnings)
