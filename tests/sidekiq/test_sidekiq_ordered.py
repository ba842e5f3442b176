"""Ordered retry: the update job runs first; the award waits until it has gone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sidekiq_cases import b08_award_member, report_members, zadd_raw

from services.journal import Journal
from services.sidekiq.actions import JobActions
from services.sidekiq.ordered import HOLD_SECONDS, ordered_retry_plan
from services.sidekiq.reader import read_snapshot
from services.sidekiq.resolve import NO_TARGET

NOW = 1686060000.0
UPDATE_JID = "b08000000000000000000808"
AWARD_JID = "b08000000000000000000606"
SCHEDULED_AWARD_JID = "b08000000000000000000707"


def _scheduled_award(jid: str) -> str:
    payload = json.loads(b08_award_member(jid))
    for key in ("enqueued_at", "error_message", "error_class", "failed_at"):
        payload.pop(key)
    payload.pop("retry_count")
    payload["args"][0]["exception_executions"] = {"[Dqt::Client::HttpError]": 1}
    return json.dumps(payload, separators=(",", ":"))


def _setup(redis: Any, tmp_path: Path) -> tuple[Any, JobActions]:
    zadd_raw(redis, "dead", report_members("B08")[0], 1686052801.0)
    zadd_raw(redis, "dead", b08_award_member(AWARD_JID), 1686052802.0)
    zadd_raw(redis, "schedule", _scheduled_award(SCHEDULED_AWARD_JID), NOW + 60)
    jobs = read_snapshot(redis).failed
    plan = ordered_retry_plan(jobs, NO_TARGET)
    actions = JobActions(
        redis,
        writes_enabled=True,
        operator="tester",
        journal=Journal(tmp_path / "journal.jsonl"),
        clock=lambda: NOW,
    )
    return plan, actions


def _queued_jids(redis: Any) -> list[str]:
    return [json.loads(item)["jid"] for item in redis.lrange("queue:dqt", 0, -1)]


def test_update_goes_first_and_award_follows_once_it_is_done(
    redis_client: Any, tmp_path: Path
) -> None:
    plan, actions = _setup(redis_client, tmp_path)
    assert plan is not None
    assert [job.jid for job in plan.updates] == [UPDATE_JID]
    assert {job.jid for job in plan.awards} == {AWARD_JID, SCHEDULED_AWARD_JID}

    preview = plan.preview(actions)
    assert [(step.op, step.jid) for step in preview.steps] == [
        ("reschedule", SCHEDULED_AWARD_JID),
        ("remove", UPDATE_JID),
        ("push", UPDATE_JID),
        ("remove", AWARD_JID),
        ("push", AWARD_JID),
        ("remove", SCHEDULED_AWARD_JID),
        ("push", SCHEDULED_AWARD_JID),
    ]
    assert preview.steps[3].description.startswith("after the update succeeds: ")

    plan.start(actions, reason="update before award")
    assert _queued_jids(redis_client) == [UPDATE_JID]
    held = redis_client.zscore("schedule", _scheduled_award(SCHEDULED_AWARD_JID))
    assert held == NOW + HOLD_SECONDS

    # Still waiting in the queue: the award stays where it is.
    assert plan.advance(actions, reason="update before award") == "update_waiting"
    assert redis_client.zcard("dead") == 1

    # A worker is running it.
    redis_client.sadd("processes", "host:1:abc")
    job_text = redis_client.rpop("queue:dqt")
    redis_client.hset("host:1:abc:work", "tid", b'{"payload":' + job_text + b"}")
    assert plan.advance(actions, reason="update before award") == "update_running"

    # It finished without failing: the award jobs are released.
    redis_client.delete("host:1:abc:work")
    assert plan.advance(actions, reason="update before award") == "award_released"
    assert sorted(_queued_jids(redis_client)) == sorted(
        [AWARD_JID, SCHEDULED_AWARD_JID]
    )
    assert redis_client.zcard("dead") == 0
    assert redis_client.zcard("schedule") == 0


def test_award_is_not_released_when_the_update_fails_again(
    redis_client: Any, tmp_path: Path
) -> None:
    plan, actions = _setup(redis_client, tmp_path)
    plan.start(actions, reason="update before award")

    failed_again = redis_client.rpop("queue:dqt")
    redis_client.zadd("dead", {failed_again: NOW + 5})
    assert plan.advance(actions, reason="update before award") == "update_failed_again"
    assert redis_client.llen("queue:dqt") == 0
    assert redis_client.zcard("dead") == 2  # the update again, and the award


def test_no_plan_without_both_jobs(redis_client: Any) -> None:
    zadd_raw(redis_client, "dead", report_members("B08")[0], 1686052801.0)
    assert ordered_retry_plan(read_snapshot(redis_client).failed, NO_TARGET) is None


def test_award_waiting_in_the_retry_set_is_held_too(
    redis_client: Any, tmp_path: Path
) -> None:
    zadd_raw(redis_client, "dead", report_members("B08")[0], 1686052801.0)
    award = b08_award_member(AWARD_JID)
    zadd_raw(redis_client, "retry", award, NOW + 30)
    plan = ordered_retry_plan(read_snapshot(redis_client).failed, NO_TARGET)
    assert plan is not None
    actions = JobActions(
        redis_client, writes_enabled=True, operator="t", journal=None, clock=lambda: NOW
    )

    assert plan.preview(actions).steps[0].description == (
        f"hold {AWARD_JID} (Dqt::RecommendForAwardJob) in retry for 24 hours"
    )
    plan.start(actions, reason="update first")
    assert redis_client.zscore("retry", award) == NOW + HOLD_SECONDS

    redis_client.rpop("queue:dqt")  # the update ran and succeeded
    assert plan.advance(actions, reason="update first") == "award_released"
    assert _queued_jids(redis_client) == [AWARD_JID]
    assert redis_client.zcard("retry") == 0
