"""An award job is not retried alone while the trainee's update job is failed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sidekiq_cases import b08_award_member, report_members, zadd_raw

from services.journal import Journal
from services.playbook import classify, classify_among
from services.sidekiq.actions import JobActions
from services.sidekiq.reader import read_snapshot
from services.sidekiq.update_first import award_waits_for, pending_updates

NOW = 1686060000.0
UPDATE_JID = "b08000000000000000000808"
AWARD_JID = "b08000000000000000000606"


def _setup(redis: Any, tmp_path: Path) -> tuple[Any, Any, JobActions]:
    zadd_raw(redis, "dead", report_members("B08")[0], 1686052801.0)
    zadd_raw(redis, "dead", b08_award_member(AWARD_JID), 1686052802.0)
    jobs = {job.jid: job for job in read_snapshot(redis).failed}
    actions = JobActions(
        redis,
        writes_enabled=True,
        operator="tester",
        journal=Journal(tmp_path / "journal.jsonl"),
        clock=lambda: NOW,
    )
    return jobs[UPDATE_JID], jobs[AWARD_JID], actions


def test_award_retry_is_refused_while_the_update_job_is_dead(
    redis_client: Any, tmp_path: Path
) -> None:
    _update, award, actions = _setup(redis_client, tmp_path)

    preview = actions.preview_retry([award])
    assert preview.steps == ()
    assert [skip.reason for skip in preview.skipped] == ["update_first"]
    assert "ordered_retry" in preview.skipped[0].detail
    assert f"{UPDATE_JID} (failed, in dead)" in preview.skipped[0].detail
    assert any("ordered_retry" in line for line in preview.lines())

    report = actions.retry([award], reason="award please")
    assert [o.outcome for o in report.outcomes] == ["skipped"]
    assert redis_client.llen("queue:dqt") == 0
    assert redis_client.zcard("dead") == 2


def test_force_retries_the_award_with_a_warning(
    redis_client: Any, tmp_path: Path
) -> None:
    _update, award, actions = _setup(redis_client, tmp_path)

    preview = actions.preview_retry([award], force=True)
    assert [step.op for step in preview.steps] == ["remove", "push"]
    assert any("retried with force" in warning for warning in preview.warnings)

    report = actions.retry([award], reason="DQT asked for it", force=True)
    assert [o.outcome for o in report.outcomes] == ["retried"]
    pushed = json.loads(redis_client.lrange("queue:dqt", 0, -1)[0])
    assert pushed["jid"] == AWARD_JID


def test_award_still_waits_while_the_update_is_queued_or_running(
    redis_client: Any, tmp_path: Path
) -> None:
    update, award, actions = _setup(redis_client, tmp_path)
    actions.retry([update], reason="update first")

    assert [p.state for p in pending_updates(redis_client, 808)] == ["queued in dqt"]
    assert "queued in dqt" in (award_waits_for(redis_client, award) or "")

    job_text = redis_client.rpop("queue:dqt")
    redis_client.sadd("processes", "host:1:abc")
    redis_client.hset("host:1:abc:work", "tid", b'{"payload":' + job_text + b"}")
    assert [p.state for p in pending_updates(redis_client, 808)] == ["running now"]

    redis_client.delete("host:1:abc:work")
    assert pending_updates(redis_client, 808) == []
    assert award_waits_for(redis_client, award) is None
    report = actions.retry([award], reason="update went through")
    assert [o.outcome for o in report.outcomes] == ["retried"]


def test_award_job_offers_the_ordered_retry_first(
    redis_client: Any, tmp_path: Path
) -> None:
    update, award, _actions = _setup(redis_client, tmp_path)

    alone = classify(award)
    assert "ordered_retry" not in alone.case.fixes

    found = classify_among([update, award])
    assert found[1].case.fixes[0] == "ordered_retry"
    assert found[1].case.fixes[1:] == alone.case.fixes
    assert not found[1].case.retry_advised
    assert found[1].key == alone.key
    # The update job itself keeps its own case and fixes.
    assert found[0] == classify(update)
