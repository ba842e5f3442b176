"""Fixes that read DQT first: award on Register, race delete, ordered retry (B08)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from services import fixes
from tests.fixes.dqt_state import MATCHING_TRAINEE, teacher
from tests.fixes.helpers import (
    ALREADY_HAS_QTS,
    NO_INCOMPLETE_ITT,
    add_failed_job,
    add_trainee,
    audit_rows,
    journal_entries,
    trainee_gid,
    trainee_row,
)

UPDATE = "Dqt::UpdateTraineeJob"
AWARD = "Dqt::RecommendForAwardJob"


def _recommended(engine, trainee_id=301, **columns):
    values = {
        **MATCHING_TRAINEE,
        "state": 3,
        "outcome_date": date(2023, 6, 5),
        "recommended_for_award_at": datetime(2023, 6, 5, 9, 0),
        **columns,
    }
    add_trainee(engine, trainee_id, **values)


def test_award_on_register_uses_dqts_date_and_deletes_the_failed_award_job(
    engine, provider, redis_client, dqt_ctx
):
    _recommended(engine)
    add_failed_job(
        redis_client,
        AWARD,
        [trainee_gid(301)],
        jid="a" * 24,
        error_message=NO_INCOMPLETE_ITT,
    )
    ctx = dqt_ctx(teacher(qts_date=date(2023, 6, 5), result="Pass"))

    preview = fixes.preview(ctx, "award_on_register", "301")
    assert preview.blocked is None, preview.warnings
    assert preview.dqt_calls
    outcome = fixes.apply(ctx, preview, "DQT shows QTS, Zendesk 31")

    assert outcome.status == "applied", outcome.summary
    row = trainee_row(engine, 301)
    assert (row["state"], row["awarded_at"]) == (6, datetime(2023, 6, 5))
    assert audit_rows(engine, 301)[-1]["audited_changes"] == {
        "state": [3, 6],
        "awarded_at": [None, "2023-06-05T00:00:00.000Z"],
    }
    assert redis_client.zcard("dead") == 0
    assert journal_entries(ctx)[-1].target["jids"] == ["a" * 24]


def test_award_on_register_is_refused_when_dqt_shows_no_award(
    engine, provider, dqt_ctx
):
    _recommended(engine)
    ctx = dqt_ctx(teacher())

    preview = fixes.preview(ctx, "award_on_register", "301")

    assert preview.blocked is not None
    assert preview.blocked.startswith("DQT does not show a QTS date")
    assert preview.db_changes == ()


def test_award_on_register_is_refused_when_anything_else_differs(
    engine, provider, dqt_ctx
):
    _recommended(engine, last_name="Fenwick-Hale")
    ctx = dqt_ctx(teacher(qts_date=date(2023, 6, 5), result="Pass"))

    preview = fixes.preview(ctx, "award_on_register", "301")

    assert preview.blocked is not None
    assert "Register and DQT differ: last name" in preview.blocked


def _b08(engine, redis_client, **columns):
    add_trainee(
        engine,
        808,
        **{
            **MATCHING_TRAINEE,
            "state": 6,
            "outcome_date": date(2023, 6, 5),
            "awarded_at": datetime(2023, 6, 5),
            **columns,
        },
    )
    return add_failed_job(
        redis_client,
        UPDATE,
        [trainee_gid(808)],
        jid="b08000000000000000000808",
        error_message=ALREADY_HAS_QTS,
    )


def test_b08_race_job_is_deleted_when_register_and_dqt_agree(
    engine, provider, redis_client, dqt_ctx
):
    _b08(engine, redis_client)
    ctx = dqt_ctx(teacher(qts_date=date(2023, 6, 5), result="Pass"))

    preview = fixes.preview(
        ctx, "delete_job", "808", {"jid": "b08000000000000000000808"}
    )
    outcome = fixes.apply(ctx, preview, "award/update race, nothing left to send")

    assert preview.blocked is None
    assert outcome.status == "applied", outcome.summary
    assert redis_client.zcard("dead") == 0
    # Only Redis changed: the audit row names the job, no field changed.
    (audit,) = audit_rows(engine, 808)
    assert audit["audited_changes"] == {}
    assert audit["comment"].endswith(
        "register-triage: deleted Dqt::UpdateTraineeJob b08000000000000000000808 "
        "from the dead set"
    )


def test_b08_variant_with_a_difference_is_refused_unless_a_reason_is_given(
    engine, provider, redis_client, dqt_ctx
):
    member = _b08(engine, redis_client, last_name="Fenwick-Hale")
    ctx = dqt_ctx(teacher(qts_date=date(2023, 6, 5), result="Pass"))

    refused = fixes.preview(
        ctx, "delete_job", "808", {"jid": "b08000000000000000000808"}
    )
    forced = fixes.preview(
        ctx,
        "delete_job",
        "808",
        {"jid": "b08000000000000000000808", "reason": "DQT confirmed by email"},
    )

    assert refused.blocked is not None
    assert "last name" in refused.blocked
    assert fixes.apply(ctx, refused, "try").status == "refused"
    assert redis_client.zscore("dead", member) is not None
    assert forced.blocked is None
    assert any("deleting anyway because" in w for w in forced.warnings)


def test_b08_ordered_retry_refuses_to_send_an_update_dqt_would_refuse(
    engine, provider, redis_client, dqt_ctx
):
    _recommended(engine, trainee_id=808)
    add_failed_job(redis_client, UPDATE, [trainee_gid(808)], jid="u" * 24)
    add_failed_job(redis_client, AWARD, [trainee_gid(808)], jid="w" * 24)
    ctx = dqt_ctx(teacher(qts_date=date(2023, 6, 5), result="Pass"))

    preview = fixes.preview(ctx, "ordered_retry", "808")

    assert preview.blocked is not None
    assert preview.blocked.startswith("DQT already shows QTS on 2023-06-05")
    assert preview.redis_changes == ()


def test_ordered_retry_sends_the_update_first_and_releases_the_award_after(
    engine, provider, redis_client, dqt_ctx
):
    _recommended(engine, trainee_id=808)
    add_failed_job(redis_client, UPDATE, [trainee_gid(808)], jid="u" * 24)
    award = add_failed_job(redis_client, AWARD, [trainee_gid(808)], jid="w" * 24)
    ctx = dqt_ctx(teacher())

    start = fixes.preview(ctx, "ordered_retry", "808")
    assert start.blocked is None, start.blocked
    # The plan releases the award itself: no warning about a forced retry.
    assert not any("retried with force" in w for w in start.warnings)
    assert "again: it releases the award" in start.next_steps[-1]
    started = fixes.apply(ctx, start, "re-run in order")
    assert started.status == "applied"
    assert "step=release" not in started.summary

    queued = [
        json.loads(item)["jid"] for item in redis_client.lrange("queue:dqt", 0, -1)
    ]
    assert queued == ["u" * 24]
    assert redis_client.zscore("dead", award) is not None

    early = fixes.preview(ctx, "ordered_retry", "808", {"step": "release"})
    assert early.blocked == (
        f"the update job has not gone through yet ({'u' * 24} (queued in dqt))"
    )

    # A worker is running it: still not released.
    job_text = redis_client.rpop("queue:dqt")
    redis_client.sadd("processes", "host:1:abc")
    redis_client.hset("host:1:abc:work", "tid", b'{"payload":' + job_text + b"}")
    running = fixes.preview(ctx, "ordered_retry", "808", {"step": "release"})
    assert running.blocked == (
        f"the update job has not gone through yet ({'u' * 24} (running now))"
    )
    redis_client.delete("host:1:abc:work")

    redis_client.delete("queue:dqt")  # the worker took the update and it succeeded
    # Chosen again without a step: only the award is left failed, so it releases.
    release = fixes.preview(ctx, "ordered_retry", "808")
    assert release.blocked is None
    assert fixes.apply(ctx, release, "update went through").status == "applied"
    queued = [
        json.loads(item)["jid"] for item in redis_client.lrange("queue:dqt", 0, -1)
    ]
    assert queued == ["w" * 24]
    assert redis_client.zcard("dead") == 0


def test_single_retry_of_an_award_waits_for_the_failed_update_unless_forced(
    engine, provider, redis_client, ctx
):
    _recommended(engine, trainee_id=808)
    add_failed_job(redis_client, UPDATE, [trainee_gid(808)], jid="u" * 24)
    award = add_failed_job(redis_client, AWARD, [trainee_gid(808)], jid="w" * 24)

    refused = fixes.preview(ctx, "retry", "808", {"jid": "w" * 24})
    assert refused.redis_changes == ()
    assert refused.blocked is not None
    assert f"{'u' * 24} (failed, in dead)" in refused.blocked
    assert "ordered retry (fix ordered_retry)" in refused.blocked

    forced = fixes.preview(ctx, "retry", "808", {"jid": "w" * 24, "force": "yes"})
    assert forced.blocked is None
    assert any("retried with force" in warning for warning in forced.warnings)
    assert fixes.apply(ctx, forced, "DQT asked for the award").status == "applied"
    assert redis_client.zscore("dead", award) is None
    queued = [
        json.loads(item)["jid"] for item in redis_client.lrange("queue:dqt", 0, -1)
    ]
    assert queued == ["w" * 24]


def test_forced_retry_is_refused_at_apply_without_force_when_update_fails_later(
    engine, provider, redis_client, ctx
):
    _recommended(engine, trainee_id=808)
    add_failed_job(redis_client, AWARD, [trainee_gid(808)], jid="w" * 24)
    ready = fixes.preview(ctx, "retry", "808", {"jid": "w" * 24})
    assert ready.blocked is None

    # The update fails after the preview was shown: the award still waits.
    add_failed_job(redis_client, UPDATE, [trainee_gid(808)], jid="u" * 24)
    outcome = fixes.apply(ctx, ready, "award please")
    assert outcome.status != "applied"
    assert redis_client.llen("queue:dqt") == 0


def test_refused_trn_request_job_is_deleted_only_with_what_dqt_said(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 809, state=1, trn=None)
    member = add_failed_job(
        redis_client,
        "Dqt::RegisterForTrnJob",
        [trainee_gid(809)],
        jid="q" * 24,
        error_message=ALREADY_HAS_QTS,
    )

    refused = fixes.preview(ctx, "delete_job", "809", {"jid": "q" * 24})
    assert refused.redis_changes == ()
    assert refused.blocked is not None
    assert "already holds a person with QTS/EYTS" in refused.blocked
    assert "ask the DQT team" in refused.blocked
    # Not the race: DQT is not compared as if an award had overtaken an update.
    assert refused.dqt_calls == ()

    said = "DQT: returning teacher, TRN 2000999 to be recorded by hand"
    allowed = fixes.preview(ctx, "delete_job", "809", {"jid": "q" * 24, "reason": said})
    assert allowed.blocked is None
    assert any(said in warning for warning in allowed.warnings)
    assert fixes.apply(ctx, allowed, said).status == "applied"
    assert redis_client.zscore("dead", member) is None


def _queued_jobs(redis_client):
    return [json.loads(item) for item in redis_client.lrange("queue:dqt", 0, -1)]


def test_requeue_award_enqueues_the_award_job_for_a_lost_award(
    engine, provider, redis_client, dqt_ctx
):
    _recommended(engine, trainee_id=810)
    ctx = dqt_ctx(teacher())

    preview = fixes.preview(ctx, "requeue_award", "810")
    assert preview.blocked is None, preview.blocked
    assert [c.description for c in preview.redis_changes] == [
        f"enqueue {AWARD} for trainee 810"
    ]
    assert preview.redis_changes[0].manual_command.startswith(
        "triage jobs enqueue recommend-for-award "
    )
    assert fixes.apply(ctx, preview, "award job was lost").status == "applied"

    (job,) = _queued_jobs(redis_client)
    assert job["wrapped"] == AWARD
    assert job["retry"] is True
    assert job["args"][0]["arguments"] == [trainee_gid(810)]

    # Now one is on its way: a second is refused.
    again = fixes.preview(ctx, "requeue_award", "810")
    assert again.blocked == (
        f"trainee 810 already has a {AWARD} on its way ({job['jid']} (queued in dqt))"
    )


@pytest.mark.parametrize(
    ("columns", "why"),
    [
        ({"state": 2}, "trainee 811 is TRN received, not recommended for award"),
        ({"trn": None}, "trainee 811 has no TRN: DQT cannot award without one"),
    ],
)
def test_requeue_award_refuses_a_trainee_dqt_cannot_award(
    engine, provider, redis_client, dqt_ctx, columns, why
):
    _recommended(engine, trainee_id=811, **columns)
    preview = fixes.preview(dqt_ctx(teacher()), "requeue_award", "811")
    assert preview.blocked == why
    assert preview.redis_changes == ()


def test_requeue_award_refuses_while_an_award_job_waits_in_retry_or_dqt_awarded(
    engine, provider, redis_client, dqt_ctx
):
    _recommended(engine, trainee_id=812)
    add_failed_job(
        redis_client, AWARD, [trainee_gid(812)], jid="r" * 24, set_name="retry"
    )
    waiting = fixes.preview(dqt_ctx(teacher()), "requeue_award", "812")
    assert waiting.blocked == (
        f"trainee 812 already has a {AWARD} on its way ({'r' * 24} (in retry))"
    )

    redis_client.delete("retry")
    awarded = dqt_ctx(teacher(qts_date=date(2023, 6, 5), result="Pass"))
    preview = fixes.preview(awarded, "requeue_award", "812")
    assert preview.blocked is not None
    assert preview.blocked.startswith("DQT already shows QTS on 2023-06-05")
