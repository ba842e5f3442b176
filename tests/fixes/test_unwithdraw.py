"""Undoing a withdrawal: the audits' integers, the columns, the audit row (B10)."""

from __future__ import annotations

import json
from datetime import datetime

from services import fixes
from services.register.audits import trainee_timeline
from tests.fixes.helpers import (
    FIXED_NOW,
    PROVIDER_ID,
    add_audit,
    add_trainee,
    audit_rows,
    closed_redis,
    journal_entries,
    trainee_row,
)


def _b10_trainee(engine) -> None:
    add_trainee(
        engine,
        1010,
        state=4,
        withdraw_date=datetime(2023, 5, 2),
        updated_at=datetime(2023, 5, 2, 9, 0),
    )
    # The defensive shape: a name on the old side, an integer on the new.
    add_audit(
        engine,
        1010,
        id=70000,
        version=4,
        audited_changes={"state": ["submitted_for_trn", 2]},
    )
    add_audit(
        engine,
        1010,
        id=70001,
        version=5,
        audited_changes={
            "state": [2, 4],
            "withdraw_date": [None, "2023-05-02T00:00:00.000Z"],
        },
        comment="Withdrawn by provider",
    )


def test_b10_unwithdraw_writes_integers_and_the_next_version(engine, provider, ctx):
    _b10_trainee(engine)

    preview = fixes.preview(ctx, "unwithdraw", "1010", {"enqueue_update": "no"})

    assert preview.blocked is None
    assert [(c.column, c.old, c.new) for c in preview.db_changes] == [
        ("state", 4, 2),
        ("withdraw_date", datetime(2023, 5, 2), None),
    ]
    assert preview.db_changes[0].describe() == "state: withdrawn -> TRN received"
    assert preview.redis_changes == ()

    outcome = fixes.apply(ctx, preview, "Ticket 4711: withdrawn in error")

    assert outcome.status == "applied", outcome.summary
    row = trainee_row(engine, 1010)
    assert row["state"] == 2
    assert row["withdraw_date"] is None
    assert row["updated_at"] == FIXED_NOW.replace(tzinfo=None)

    written = audit_rows(engine, 1010)[-1]
    assert written["id"] == outcome.audit_ids[0]
    assert written["action"] == "update"
    assert written["version"] == 6
    assert written["auditable_type"] == "Trainee"
    assert written["associated_type"] == "Provider"
    assert written["associated_id"] == PROVIDER_ID
    assert written["comment"] == "Ticket 4711: withdrawn in error"
    assert written["username"] == "Grace Oduya via register-triage"
    assert written["request_uuid"] == outcome.request_uuid
    assert written["audited_changes"] == {
        "state": [4, 2],
        "withdraw_date": ["2023-05-02T00:00:00.000Z", None],
    }

    with engine.connect() as conn:
        newest = trainee_timeline(conn, 1010)[0]
    assert newest.title == "Withdrawal undone"
    assert newest.username == "Grace Oduya via register-triage"

    entry = journal_entries(ctx)[-1]
    assert entry.action == "fix:unwithdraw"
    assert entry.outcome == "applied"
    assert entry.target["trainee_id"] == 1010
    assert entry.request_uuid == outcome.request_uuid
    assert entry.comment == "Ticket 4711: withdrawn in error"
    assert entry.detail["audit_ids"] == [written["id"]]


def test_unwithdraw_without_audits_uses_registers_default_and_says_so(
    engine, provider, ctx
):
    add_trainee(engine, 5, state=4, withdraw_reason=7)

    preview = fixes.preview(ctx, "unwithdraw", "5", {"enqueue_update": "no"})

    assert [(c.column, c.new) for c in preview.db_changes] == [
        ("state", 2),
        ("withdraw_reason", None),
    ]
    assert any("default" in warning for warning in preview.warnings)


def test_unwithdraw_of_a_trainee_not_withdrawn_is_refused(engine, provider, ctx):
    add_trainee(engine, 6, state=2)

    preview = fixes.preview(ctx, "unwithdraw", "6", {"enqueue_update": "no"})
    outcome = fixes.apply(ctx, preview, "try anyway")

    assert preview.blocked == "the trainee is TRN received, not withdrawn"
    assert outcome.status == "refused"
    assert audit_rows(engine, 6) == []
    assert journal_entries(ctx)[-1].outcome == "refused"


def test_unwithdraw_offers_the_update_job_by_default(engine, provider, ctx):
    _b10_trainee(engine)

    preview = fixes.preview(ctx, "unwithdraw", "1010")

    assert [c.job_class for c in preview.redis_changes] == ["Dqt::UpdateTraineeJob"]


def test_the_update_job_is_enqueued_after_the_commit(
    engine, provider, ctx, redis_client
):
    _b10_trainee(engine)

    preview = fixes.preview(ctx, "unwithdraw", "1010")
    outcome = fixes.apply(ctx, preview, "Ticket 4711: withdrawn in error")

    assert outcome.status == "applied", outcome.summary
    queued = [json.loads(item) for item in redis_client.lrange("queue:dqt", 0, -1)]
    assert [job["wrapped"] for job in queued] == ["Dqt::UpdateTraineeJob"]
    assert queued[0]["args"][0]["arguments"] == [
        {"_aj_globalid": "gid://register-trainee-teachers/Trainee/1010"}
    ]
    assert redis_client.smembers("queues") == {b"dqt"}


def test_redis_down_after_the_commit_is_partial_and_says_what_is_left(
    engine, provider, make_ctx
):
    _b10_trainee(engine)
    ctx = make_ctx(redis=closed_redis())

    preview = fixes.preview(ctx, "unwithdraw", "1010")
    outcome = fixes.apply(ctx, preview, "Ticket 4711: withdrawn in error")

    assert outcome.status == "partial"
    # The database part is committed and consistent: state, columns and audit.
    row = trainee_row(engine, 1010)
    assert (row["state"], row["withdraw_date"]) == (2, None)
    assert audit_rows(engine, 1010)[-1]["audited_changes"]["state"] == [4, 2]
    expected = (
        "enqueue Dqt::UpdateTraineeJob for trainee 1010: run `triage jobs enqueue "
        "update-trainee slug00000000000000001010 --reason TEXT`"
    )
    assert outcome.left_to_do == (expected,)
    entry = journal_entries(ctx)[-1]
    assert entry.outcome == "partial"
    assert entry.detail["left_to_do"] == [expected]
    assert "the database changes were committed" in entry.summary
    assert entry.detail["audit_ids"] == list(outcome.audit_ids)


def test_an_unknown_state_in_the_audits_falls_back_and_is_named(engine, provider, ctx):
    add_trainee(engine, 1011, state=4)
    add_audit(engine, 1011, version=1, audited_changes={"state": [9, 4]})

    preview = fixes.preview(ctx, "unwithdraw", "1011", {"enqueue_update": "no"})

    assert [(c.column, c.old, c.new) for c in preview.db_changes] == [("state", 4, 2)]
    assert any("has state 9" in warning for warning in preview.warnings)
