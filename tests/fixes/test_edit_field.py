"""Editing one field: type checks, the audit row, two operators, read-only mode."""

from __future__ import annotations

from datetime import date

import pytest

from services import fixes
from services.fixes.base import FixInputError
from tests.fixes.helpers import (
    FIXED_NOW,
    PROVIDER_ID,
    add_audit,
    add_trainee,
    audit_rows,
    journal_entries,
    trainee_row,
)


def test_changing_the_last_name_writes_the_column_and_its_audit(engine, provider, ctx):
    add_trainee(engine, 42, last_name="Fenwick")
    add_audit(engine, 42, version=1, action="create", audited_changes={"state": 0})

    preview = fixes.preview(
        ctx, "edit_field", "42", {"field": "last_name", "value": "  Fenwick-Hale "}
    )
    outcome = fixes.apply(ctx, preview, "Name changed by deed poll, Zendesk 88")

    assert outcome.status == "applied", outcome.summary
    row = trainee_row(engine, 42)
    assert row["last_name"] == "Fenwick-Hale"
    assert row["updated_at"] == FIXED_NOW.replace(tzinfo=None)
    written = audit_rows(engine, 42)[-1]
    assert written["version"] == 2
    assert written["audited_changes"] == {"last_name": ["Fenwick", "Fenwick-Hale"]}
    assert written["associated_id"] == PROVIDER_ID
    assert written["request_uuid"] == outcome.request_uuid
    assert journal_entries(ctx)[-1].detail["db_changes"] == [
        {"column": "last_name", "old": "Fenwick", "new": "Fenwick-Hale"}
    ]


def test_date_of_birth_is_audited_as_a_date_and_kept_out_of_the_journal(
    engine, provider, ctx
):
    add_trainee(engine, 43, date_of_birth=date(1994, 7, 3))

    preview = fixes.preview(
        ctx, "edit_field", "43", {"field": "date_of_birth", "value": "07/03/1994"}
    )
    outcome = fixes.apply(ctx, preview, "DQT holds 7 March, confirmed with trainee")

    assert outcome.status == "applied"
    assert trainee_row(engine, 43)["date_of_birth"] == date(1994, 3, 7)
    assert audit_rows(engine, 43)[-1]["audited_changes"] == {
        "date_of_birth": ["1994-07-03", "1994-03-07"]
    }
    journal_text = ctx.journal.path.read_text()
    assert "1994" not in journal_text
    assert "date_of_birth" in journal_text


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("date_of_birth", "31/02/1994", "is not a date"),
        ("date_of_birth", "2030-01-01", "cannot be in the future"),
        ("date_of_birth", "2020-01-01", "outside 16-100 years"),
        ("email", "not-an-email", "is not an email address"),
        ("last_name", "   ", "cannot be blank"),
        ("first_names", "Ada 2", "contains digits or symbols"),
    ],
)
def test_bad_values_block_the_preview_with_a_reason(
    engine, provider, ctx, field, value, reason
):
    add_trainee(engine, 44)

    preview = fixes.preview(ctx, "edit_field", "44", {"field": field, "value": value})

    assert preview.blocked is not None
    assert reason in preview.blocked
    assert preview.db_changes == ()


def test_a_mistyped_date_of_birth_stays_out_of_the_journal(engine, provider, ctx):
    add_trainee(engine, 46)
    preview = fixes.preview(
        ctx, "edit_field", "46", {"field": "date_of_birth", "value": "31/02/1994"}
    )

    refused = fixes.apply(ctx, preview, "typo")

    assert refused.status == "refused"
    assert preview.blocked is not None
    assert preview.blocked.startswith("date_of_birth: ")
    assert "31/02/1994" not in ctx.journal.path.read_text()


def test_fields_outside_the_list_and_unknown_trainees_are_input_errors(
    engine, provider, ctx
):
    add_trainee(engine, 45)

    with pytest.raises(FixInputError, match="cannot be edited here"):
        fixes.preview(ctx, "edit_field", "45", {"field": "state", "value": "6"})
    with pytest.raises(FixInputError, match="no trainee with slug or id"):
        fixes.preview(ctx, "edit_field", "nosuchslug", {"field": "email", "value": "x"})
    # Digits beyond PostgreSQL's bigint cannot be an id: not found, not a crash.
    with pytest.raises(FixInputError, match="no trainee with slug or id"):
        fixes.preview(ctx, "edit_field", "9" * 25, {"field": "email", "value": "x"})
    with pytest.raises(FixInputError, match="does not take colour"):
        fixes.preview(ctx, "edit_field", "45", {"field": "email", "colour": "red"})


def test_the_same_value_is_refused_as_nothing_to_change(engine, provider, ctx):
    add_trainee(engine, 46, last_name="Fenwick")

    preview = fixes.preview(
        ctx, "edit_field", "46", {"field": "last_name", "value": "Fenwick"}
    )

    assert preview.blocked == "last_name already has that value; nothing to change"


def test_second_operator_is_refused_and_told_what_changed(engine, provider, make_ctx):
    add_trainee(engine, 47, last_name="Fenwick", first_names="Ada")
    first = make_ctx(operator="Grace Oduya")
    second = make_ctx(operator="Tom Reyes")

    first_preview = fixes.preview(
        first, "edit_field", "47", {"field": "last_name", "value": "Hale"}
    )
    second_preview = fixes.preview(
        second, "edit_field", "47", {"field": "first_names", "value": "Adaline"}
    )
    assert fixes.apply(first, first_preview, "Zendesk 1").status == "applied"
    outcome = fixes.apply(second, second_preview, "Zendesk 2")

    assert outcome.status == "refused"
    assert "last_name changed from Fenwick to Hale since the preview" in outcome.summary
    assert trainee_row(engine, 47)["first_names"] == "Ada"
    assert len(audit_rows(engine, 47)) == 1
    last = journal_entries(second)[-1]
    assert (last.operator, last.outcome) == ("Tom Reyes", "refused")
    assert last.detail["changed_since_preview"] == [
        "last_name changed from Fenwick to Hale since the preview"
    ]


def test_read_only_mode_refuses_and_changes_nothing(engine, provider, make_ctx):
    add_trainee(engine, 48, email="old@example.org")
    ctx = make_ctx(writes_enabled=False)

    preview = fixes.preview(
        ctx, "edit_field", "48", {"field": "email", "value": "new@example.org"}
    )
    outcome = fixes.apply(ctx, preview, "Zendesk 3")

    assert outcome.status == "refused"
    assert "writes are disabled" in outcome.summary
    assert trainee_row(engine, 48)["email"] == "old@example.org"
    assert audit_rows(engine, 48) == []
    assert journal_entries(ctx)[-1].outcome == "refused"


def test_an_empty_comment_is_refused(engine, provider, ctx):
    add_trainee(engine, 49, email="old@example.org")

    preview = fixes.preview(
        ctx, "edit_field", "49", {"field": "email", "value": "new@example.org"}
    )
    outcome = fixes.apply(ctx, preview, "   ")

    assert outcome.status == "refused"
    assert outcome.summary.startswith("a comment is required")
    assert trainee_row(engine, 49)["email"] == "old@example.org"


def test_clearing_middle_names_is_allowed_but_not_last_name(engine, provider, ctx):
    add_trainee(engine, 50, middle_names="Jane")

    cleared = fixes.preview(
        ctx, "edit_field", "50", {"field": "middle_names", "clear": "yes"}
    )
    refused = fixes.preview(
        ctx, "edit_field", "50", {"field": "last_name", "clear": "yes"}
    )

    assert [(c.old, c.new) for c in cleared.db_changes] == [("Jane", None)]
    assert refused.blocked == "last_name is required and cannot be cleared"


def test_the_outcome_and_log_of_a_date_of_birth_change_hold_no_date(
    engine, provider, ctx, caplog
):
    add_trainee(engine, 51, date_of_birth=date(1994, 7, 3))
    preview = fixes.preview(
        ctx, "edit_field", "51", {"field": "date_of_birth", "value": "1994-03-07"}
    )

    with caplog.at_level("INFO"):
        outcome = fixes.apply(ctx, preview, "confirmed with the trainee")

    assert outcome.status == "applied"
    assert "database: date_of_birth changed" in outcome.done
    assert "1994" not in outcome.summary
    assert "1994" not in caplog.text


def test_dates_out_of_order_are_warned_about(engine, provider, ctx):
    add_trainee(engine, 52, itt_start_date=date(2022, 9, 1))

    end = fixes.preview(
        ctx, "edit_field", "52", {"field": "itt_end_date", "value": "2022-08-01"}
    )
    outcome = fixes.preview(
        ctx, "edit_field", "52", {"field": "outcome_date", "value": "2024-01-01"}
    )

    assert "itt_end_date 2022-08-01 is not after itt_start_date 2022-09-01" in (
        end.warnings
    )
    assert "outcome_date 2024-01-01 is in the future" in outcome.warnings


def test_two_operators_applying_at_once_write_exactly_one_change(
    engine, provider, make_ctx
):
    from concurrent.futures import ThreadPoolExecutor

    add_trainee(engine, 53, last_name="Fenwick")
    contexts = [make_ctx(operator=name) for name in ("Grace Oduya", "Tom Reyes")]
    previews = [
        fixes.preview(ctx, "edit_field", "53", {"field": "last_name", "value": value})
        for ctx, value in zip(contexts, ("Hale", "Marsh"), strict=True)
    ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(
            pool.map(
                lambda pair: fixes.apply(pair[0], pair[1], "same ticket"),
                zip(contexts, previews, strict=True),
            )
        )

    assert sorted(outcome.status for outcome in outcomes) == ["applied", "refused"]
    winner = next(o for o in outcomes if o.status == "applied")
    written = audit_rows(engine, 53)
    assert len(written) == 1
    assert written[0]["request_uuid"] == winner.request_uuid
    assert (
        trainee_row(engine, 53)["last_name"]
        == written[0]["audited_changes"]["last_name"][1]
    )
