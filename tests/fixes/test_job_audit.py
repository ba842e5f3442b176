"""Fixes that change no field, only jobs, still write one audit row in Register."""

from __future__ import annotations

from datetime import date, datetime

from services import fixes
from services.fixes.text import preview_lines
from services.register.audits import trainee_timeline
from tests.fixes.dqt_state import MATCHING_TRAINEE, teacher
from tests.fixes.helpers import (
    add_failed_job,
    add_trainee,
    add_trn_request,
    audit_rows,
    closed_redis,
    trainee_gid,
    trainee_row,
)

UPDATE = "Dqt::UpdateTraineeJob"
AWARD = "Dqt::RecommendForAwardJob"
COMMENT = "DQT was down, Zendesk 5"


def _the_job_audit(engine, trainee_id):
    """The one audit row of the trainee, which must be the job-only form."""
    (row,) = audit_rows(engine, trainee_id)
    assert row["auditable_type"] == "Trainee"
    assert row["action"] == "update"
    assert (row["associated_type"], row["associated_id"]) == ("Provider", 77)
    assert row["username"] == "Grace Oduya via register-triage"
    assert row["audited_changes"] == {}
    assert row["request_uuid"]
    return row


def test_retry_writes_one_audit_row_naming_the_job(engine, provider, redis_client, ctx):
    add_trainee(engine, 601)
    add_failed_job(redis_client, UPDATE, [trainee_gid(601)], jid="6" * 24)
    before = trainee_row(engine, 601)["updated_at"]

    preview = fixes.preview(ctx, "retry", "601", {"jid": "6" * 24})
    outcome = fixes.apply(ctx, preview, COMMENT)

    assert outcome.status == "applied", outcome.summary
    row = _the_job_audit(engine, 601)
    assert row["comment"] == (
        f"{COMMENT}\nregister-triage: retried {UPDATE} {'6' * 24} from the dead set"
    )
    assert outcome.audit_ids == (row["id"],)
    assert row["request_uuid"] == outcome.request_uuid
    # No field changed: the record is not saved again.
    assert trainee_row(engine, 601)["updated_at"] == before


def test_delete_job_writes_one_audit_row_naming_the_job(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 602)
    add_failed_job(redis_client, UPDATE, [trainee_gid(602)], jid="7" * 24)

    preview = fixes.preview(ctx, "delete_job", "602", {"jid": "7" * 24})
    assert fixes.apply(ctx, preview, COMMENT).status == "applied"

    assert _the_job_audit(engine, 602)["comment"] == (
        f"{COMMENT}\nregister-triage: deleted {UPDATE} {'7' * 24} from the dead set"
    )


def test_restart_trn_polling_writes_one_audit_row(engine, provider, redis_client, ctx):
    add_trainee(engine, 603, state=1, trn=None)
    add_trn_request(engine, 603, 5603)

    preview = fixes.preview(ctx, "restart_trn_polling", "603")
    assert fixes.apply(ctx, preview, COMMENT).status == "applied"

    assert _the_job_audit(engine, 603)["comment"] == (
        f"{COMMENT}\nregister-triage: enqueued Dqt::RetrieveTrnJob for TRN request "
        "5603, polling until 2023-06-16"
    )


def test_reregister_writes_one_audit_row_with_a_line_per_job(
    engine, provider, redis_client, dqt_ctx
):
    add_trainee(engine, 604, state=1, trn=None)
    add_trn_request(engine, 604, 5604, state=2)
    ctx = dqt_ctx()

    preview = fixes.preview(ctx, "reregister_for_trn", "604")
    assert fixes.apply(ctx, preview, COMMENT).status == "applied"

    assert _the_job_audit(engine, 604)["comment"].splitlines() == [
        COMMENT,
        "register-triage: enqueued Dqt::RegisterForTrnJob",
        "register-triage: enqueued Dqt::RetrieveTrnJob for TRN request 5604, "
        "polling until 2023-06-16",
    ]


def test_ordered_retry_writes_one_audit_row_per_step(
    engine, provider, redis_client, dqt_ctx
):
    add_trainee(
        engine,
        605,
        **{**MATCHING_TRAINEE, "state": 3},
        recommended_for_award_at=datetime(2023, 6, 5, 9, 0),
        outcome_date=date(2023, 6, 5),
    )
    add_failed_job(redis_client, UPDATE, [trainee_gid(605)], jid="u" * 24)
    add_failed_job(redis_client, AWARD, [trainee_gid(605)], jid="w" * 24)
    ctx = dqt_ctx(teacher())

    start = fixes.preview(ctx, "ordered_retry", "605")
    assert fixes.apply(ctx, start, COMMENT).status == "applied"
    first = _the_job_audit(engine, 605)["comment"].splitlines()
    redis_client.delete("queue:dqt")  # the update went through
    release = fixes.preview(ctx, "ordered_retry", "605")  # next: the release
    assert fixes.apply(ctx, release, "update went through").status == "applied"

    rows = audit_rows(engine, 605)
    assert len(rows) == 2
    assert first[0] == COMMENT
    assert first[1].startswith("register-triage: started the ordered retry: ")
    assert "u" * 24 in first[1]
    assert rows[1]["comment"].splitlines() == [
        "update went through",
        f"register-triage: retried {AWARD} {'w' * 24} from the dead set",
    ]
    assert [row["audited_changes"] for row in rows] == [{}, {}]


def test_the_preview_shows_the_audit_row_it_will_write(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 606)
    add_failed_job(redis_client, UPDATE, [trainee_gid(606)], jid="8" * 24)

    preview = fixes.preview(ctx, "retry", "606", {"jid": "8" * 24})
    lines = preview_lines(preview)

    assert (
        "  + an audit row on trainee 606: no field changed, so Register's timeline "
        "shows nothing new; its comment is yours, then:"
    ) in lines
    assert (
        f"    register-triage: retried {UPDATE} {'8' * 24} from the dead set"
    ) in lines


def test_redis_down_writes_no_audit_row(engine, provider, make_ctx):
    add_trainee(engine, 607, state=1, trn=None)
    add_trn_request(engine, 607, 5607)
    preview = fixes.preview(make_ctx(), "restart_trn_polling", "607")

    outcome = fixes.apply(make_ctx(redis=closed_redis()), preview, COMMENT)

    assert outcome.status == "failed"
    assert audit_rows(engine, 607) == []


def test_the_timeline_names_the_job_and_marks_it_hidden_in_register(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 608)
    add_failed_job(redis_client, UPDATE, [trainee_gid(608)], jid="9" * 24)
    preview = fixes.preview(ctx, "delete_job", "608", {"jid": "9" * 24})
    assert fixes.apply(ctx, preview, COMMENT).status == "applied"

    with engine.connect() as conn:
        (entry,) = trainee_timeline(conn, 608)

    assert entry.title == f"Job: deleted {UPDATE} {'9' * 24} from the dead set"
    assert entry.lines == (f"Sidekiq: deleted {UPDATE} {'9' * 24} from the dead set",)
    assert entry.comment_first_line == COMMENT
    assert not entry.shown_in_register
    assert entry.hidden_reason == "no field changed, only Sidekiq jobs"
