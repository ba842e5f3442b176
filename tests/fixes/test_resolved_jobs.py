"""A fix deletes the failed job it resolves, as one of its previewed steps."""

from __future__ import annotations

import json
from datetime import datetime

from services import fixes
from tests.fixes.helpers import (
    NO_INCOMPLETE_ITT,
    add_failed_job,
    add_trainee,
    add_trn_request,
    journal_entries,
    trainee_gid,
)

RETRIEVE = "Dqt::RetrieveTrnJob"
UPDATE = "Dqt::UpdateTraineeJob"
AWARD = "Dqt::RecommendForAwardJob"
WITHDRAW = "Dqt::WithdrawTraineeJob"


def _request_gid(request_id):
    return {
        "_aj_globalid": f"gid://register-trainee-teachers/Dqt::TrnRequest/{request_id}"
    }


def _timed_out_poll(redis_client, trainee_id, request_id, jid):
    return add_failed_job(
        redis_client,
        RETRIEVE,
        [_request_gid(request_id), "2023-05-01"],
        jid=jid,
        error_message=(
            f"Dqt::RetrieveTrnJob for Trainee id: {trainee_id} has timed out after "
            "4 days."
        ),
    )


def _missing_trn_update(redis_client, trainee_id, jid):
    return add_failed_job(
        redis_client,
        UPDATE,
        [trainee_gid(trainee_id)],
        jid=jid,
        error_message=f"Cannot update trainee on DQT without a trn (id: {trainee_id})",
    )


def _queued(redis_client):
    items = reversed(redis_client.lrange("queue:dqt", 0, -1))
    return [json.loads(item)["wrapped"] for item in items]


def test_restart_trn_polling_deletes_the_timed_out_poll_after_enqueuing(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 701, state=1, trn=None)
    add_trn_request(engine, 701, 5701)
    poll = _timed_out_poll(redis_client, 701, 5701, "p" * 24)
    update = _missing_trn_update(redis_client, 701, "m" * 24)

    preview = fixes.preview(ctx, "restart_trn_polling", "701")
    outcome = fixes.apply(ctx, preview, "DQT says the TRN is ready")

    assert [change.kind for change in preview.redis_changes] == [
        "enqueue",
        "delete",
        "delete",
    ]
    assert preview.redis_changes[1].description == (
        f"delete {'p' * 24} ({RETRIEVE}) from dead"
    )
    assert outcome.status == "applied", outcome.summary
    assert redis_client.zscore("dead", poll) is None
    assert redis_client.zscore("dead", update) is None
    assert _queued(redis_client) == [RETRIEVE]
    assert journal_entries(ctx)[-1].target["jids"] == ["p" * 24, "m" * 24]


def test_the_resolved_job_gone_since_the_preview_refuses_the_fix(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 702, state=1, trn=None)
    add_trn_request(engine, 702, 5702)
    poll = _timed_out_poll(redis_client, 702, 5702, "q" * 24)
    preview = fixes.preview(ctx, "restart_trn_polling", "702")

    redis_client.zrem("dead", poll)
    outcome = fixes.apply(ctx, preview, "DQT says the TRN is ready")

    assert outcome.status == "refused"
    assert _queued(redis_client) == []


def test_reregister_deletes_the_update_refused_for_want_of_a_trn(
    engine, provider, redis_client, dqt_ctx
):
    add_trainee(engine, 703, state=1, trn=None)
    add_trn_request(engine, 703, 5703, state=2)
    update = _missing_trn_update(redis_client, 703, "n" * 24)
    # A 500 is not resolved by registering again: it stays.
    other = add_failed_job(redis_client, UPDATE, [trainee_gid(703)], jid="o" * 24)
    ctx = dqt_ctx()

    preview = fixes.preview(ctx, "reregister_for_trn", "703")
    outcome = fixes.apply(ctx, preview, "not on DQT, Zendesk 7")

    assert [change.kind for change in preview.redis_changes] == [
        "enqueue",
        "enqueue",
        "delete",
    ]
    assert outcome.status == "applied", outcome.summary
    assert redis_client.zscore("dead", update) is None
    assert redis_client.zscore("dead", other) is not None
    assert _queued(redis_client) == ["Dqt::RegisterForTrnJob", RETRIEVE]


def test_reverse_award_deletes_the_failed_award_job(
    engine, provider, redis_client, ctx
):
    add_trainee(
        engine,
        704,
        state=6,
        awarded_at=datetime(2023, 6, 1),
        recommended_for_award_at=datetime(2023, 5, 30),
    )
    award = add_failed_job(
        redis_client,
        AWARD,
        [trainee_gid(704)],
        jid="r" * 24,
        error_message=NO_INCOMPLETE_ITT,
    )

    preview = fixes.preview(ctx, "reverse_award", "704")
    outcome = fixes.apply(ctx, preview, "awarded in error, Zendesk 12")

    assert [change.kind for change in preview.redis_changes] == ["delete"]
    assert any(f"the failed {AWARD} is deleted" in w for w in preview.warnings)
    assert outcome.status == "applied", outcome.summary
    assert redis_client.zscore("dead", award) is None


def test_unwithdraw_deletes_the_withdraw_job_before_enqueuing_the_update(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 705, state=4, withdraw_date=datetime(2023, 6, 1))
    withdraw = add_failed_job(
        redis_client,
        WITHDRAW,
        [trainee_gid(705)],
        jid="s" * 24,
        error_message=NO_INCOMPLETE_ITT,
    )

    preview = fixes.preview(ctx, "unwithdraw", "705")
    outcome = fixes.apply(ctx, preview, "withdrawn in error, Zendesk 13")

    assert [change.kind for change in preview.redis_changes] == ["delete", "enqueue"]
    assert outcome.status == "applied", outcome.summary
    assert redis_client.zscore("dead", withdraw) is None
    assert _queued(redis_client) == [UPDATE]
