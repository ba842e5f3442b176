"""Fixes that only touch Sidekiq: single retry, TRN polling, re-registration."""

from __future__ import annotations

import json
from datetime import date

from services import fixes
from tests.fixes.helpers import (
    add_failed_job,
    add_trainee,
    add_trn_request,
    audit_rows,
    closed_redis,
    journal_entries,
    trainee_gid,
)


def _queued(redis_client, queue="dqt"):
    return [
        json.loads(item)
        for item in reversed(redis_client.lrange(f"queue:{queue}", 0, -1))
    ]


def test_retry_pushes_the_job_back_and_a_second_operator_is_refused(
    engine, provider, redis_client, make_ctx
):
    add_trainee(engine, 90)
    member = add_failed_job(
        redis_client, "Dqt::UpdateTraineeJob", [trainee_gid(90)], jid="c" * 24
    )
    first, second = make_ctx(operator="Grace Oduya"), make_ctx(operator="Tom Reyes")

    one = fixes.preview(first, "retry", "90", {"jid": "c" * 24})
    two = fixes.preview(second, "retry", "90", {"jid": "c" * 24})
    applied = fixes.apply(first, one, "DQT was down, Zendesk 5")
    refused = fixes.apply(second, two, "DQT was down, Zendesk 5")

    assert applied.status == "applied", applied.summary
    assert redis_client.zscore("dead", member) is None
    assert [job["jid"] for job in _queued(redis_client)] == ["c" * 24]
    assert refused.status == "refused"
    assert f"job {'c' * 24} is no longer in the dead set" in refused.summary
    assert len(_queued(redis_client)) == 1
    assert journal_entries(second)[-1].outcome == "refused"


def test_retry_of_another_trainees_job_is_blocked(engine, provider, redis_client, ctx):
    add_trainee(engine, 91)
    add_trainee(engine, 92)
    add_failed_job(
        redis_client, "Dqt::UpdateTraineeJob", [trainee_gid(92)], jid="d" * 24
    )

    preview = fixes.preview(ctx, "retry", "91", {"jid": "d" * 24})

    assert preview.blocked == f"job {'d' * 24} is about Trainee/92, not trainee 91"


def test_restart_trn_polling_enqueues_retrieve_trn_with_a_future_date(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 93, state=1, trn=None)
    add_trn_request(engine, 93, 5093)

    preview = fixes.preview(ctx, "restart_trn_polling", "93")
    outcome = fixes.apply(ctx, preview, "DQT says the TRN is ready")

    assert outcome.status == "applied", outcome.summary
    (job,) = _queued(redis_client)
    assert job["wrapped"] == "Dqt::RetrieveTrnJob"
    # The context's clock says 2023-06-12: four days later.
    assert job["args"][0]["arguments"] == [
        {"_aj_globalid": "gid://register-trainee-teachers/Dqt::TrnRequest/5093"},
        {
            "_aj_serialized": "ActiveJob::Serializers::DateSerializer",
            "value": "2023-06-16",
        },
    ]


def test_restart_trn_polling_refuses_a_past_timeout_and_a_missing_request(
    engine, provider, ctx
):
    add_trainee(engine, 94, state=1, trn=None)

    no_row = fixes.preview(ctx, "restart_trn_polling", "94")
    add_trn_request(engine, 94, 5094)
    past = fixes.preview(ctx, "restart_trn_polling", "94", {"timeout": "2023-06-12"})

    assert no_row.blocked is not None and "no TRN request row" in no_row.blocked
    assert (
        past.blocked
        == "the timeout 2023-06-12 is not in the future (today is 2023-06-12)"
    )


def test_reregister_enqueues_register_then_polling_in_that_order(
    engine, provider, redis_client, ctx
):
    add_trainee(engine, 95, state=1, trn=None)
    add_trn_request(engine, 95, 5095, state=2)

    preview = fixes.preview(ctx, "reregister_for_trn", "95", {"timeout": "2023-06-20"})
    outcome = fixes.apply(ctx, preview, "not on DQT, Zendesk 7")

    assert outcome.status == "applied", outcome.summary
    jobs = _queued(redis_client)
    assert [job["wrapped"] for job in jobs] == [
        "Dqt::RegisterForTrnJob",
        "Dqt::RetrieveTrnJob",
    ]
    assert jobs[1]["args"][0]["arguments"][1]["value"] == "2023-06-20"


def test_reregister_refuses_a_trainee_who_has_a_trn(engine, provider, ctx):
    add_trainee(engine, 96, trn="3456789")

    preview = fixes.preview(ctx, "reregister_for_trn", "96")

    assert (
        preview.blocked
        == "the trainee already has TRN 3456789: there is nothing to fetch"
    )


def test_redis_down_before_anything_is_written_is_a_failure(engine, provider, make_ctx):
    add_trainee(engine, 97, state=1, trn=None)
    add_trn_request(engine, 97, 5097)
    ctx = make_ctx()
    preview = fixes.preview(ctx, "restart_trn_polling", "97")

    down = make_ctx(redis=closed_redis())
    outcome = fixes.apply(down, preview, "DQT says the TRN is ready")

    # Redis is asked before the audit row is written: nothing is written.
    assert outcome.status == "failed"
    assert outcome.summary.startswith("Redis could not be read")
    assert "nothing was changed" in outcome.summary
    assert audit_rows(engine, 97) == []
    assert journal_entries(down)[-1].outcome == "failed"


def test_timeouts_are_typed(engine, provider, ctx):
    add_trainee(engine, 98, state=1, trn=None)
    add_trn_request(engine, 98, 5098)

    preview = fixes.preview(ctx, "restart_trn_polling", "98", {"timeout": "soon"})

    assert preview.blocked == "'soon' is not a date (use YYYY-MM-DD or DD/MM/YYYY)"
    assert date(2023, 6, 12) == ctx.today()


def test_redis_down_while_checking_the_job_changes_nothing(
    engine, provider, redis_client, make_ctx
):
    add_trainee(engine, 99)
    add_failed_job(
        redis_client, "Dqt::UpdateTraineeJob", [trainee_gid(99)], jid="f" * 24
    )
    preview = fixes.preview(make_ctx(), "retry", "99", {"jid": "f" * 24})

    outcome = fixes.apply(make_ctx(redis=closed_redis()), preview, "Zendesk 8")

    assert outcome.status == "failed"
    assert outcome.summary.startswith("Redis could not be read to check the jobs")
    assert redis_client.zcard("dead") == 1


def test_a_discarded_trainees_job_can_be_deleted_but_not_retried(
    engine, provider, redis_client, ctx
):
    from datetime import datetime

    add_trainee(engine, 703, discarded_at=datetime(2023, 5, 1))
    add_failed_job(
        redis_client, "Dqt::UpdateTraineeJob", [trainee_gid(703)], jid="7" * 24
    )

    retry = fixes.preview(ctx, "retry", "703", {"jid": "7" * 24})
    delete = fixes.preview(ctx, "delete_job", "703", {"jid": "7" * 24})

    assert retry.blocked is not None and "discarded" in retry.blocked
    assert delete.blocked is None
    assert fixes.apply(ctx, delete, "trainee deleted in Register").status == "applied"
    assert redis_client.zcard("dead") == 0


def test_a_trainees_jobs_are_found_by_exact_globalid(redis_client):
    from services.fixes.jobs import find_job, trainee_jobs

    add_failed_job(
        redis_client, "Dqt::UpdateTraineeJob", [trainee_gid(808)], jid="1" * 24
    )
    add_failed_job(
        redis_client, "Dqt::UpdateTraineeJob", [trainee_gid(8080)], jid="2" * 24
    )
    add_failed_job(
        redis_client,
        "Dqt::RetrieveTrnJob",
        [{"_aj_globalid": "gid://register-trainee-teachers/Dqt::TrnRequest/5808"}],
        jid="3" * 24,
        set_name="retry",
    )

    found = trainee_jobs(redis_client, 808, 5808)

    assert sorted(job.jid for job in found) == ["1" * 24, "3" * 24]
    assert find_job(redis_client, "2" * 24).target.id == "8080"
    assert find_job(redis_client, "4" * 24) is None
    assert find_job(redis_client, "*") is None
