"""Retry, delete and enqueue against a real Redis, compared with what Sidekiq wrote."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sidekiq_cases import (
    add_provider,
    add_trainee,
    add_trn_request,
    b01_member,
    capture,
    load_capture,
    report_members,
    retry_all_report,
    seed_b07,
    zadd_raw,
)

from services.journal import Journal
from services.sidekiq import wire
from services.sidekiq.actions import ActionRefused, EnqueueRequest, JobActions
from services.sidekiq.jobs import FailedJob, parse_member
from services.sidekiq.listing import load_failed_jobs
from services.sidekiq.reader import read_snapshot
from services.sidekiq.resolve import TraineeSummary, find_trainee

FIXED_NOW = 1717000000.25


def _actions(
    redis: Any,
    tmp_path: Path,
    *,
    writes: bool = True,
    major: Any = "6",
    clock: Any = None,
) -> JobActions:
    return JobActions(
        redis,
        writes_enabled=writes,
        operator="tester",
        journal=Journal(tmp_path / "journal.jsonl"),
        major=major,
        clock=clock or (lambda: FIXED_NOW),
    )


def _by_jid(redis: Any) -> dict[str, FailedJob]:
    return {job.jid or "": job for job in read_snapshot(redis).failed}


def test_retry_writes_what_sidekiqs_own_retry_wrote(
    redis_client: Any, tmp_path: Path
) -> None:
    load_capture(redis_client, "captured-app-options")
    jobs = _by_jid(redis_client)
    pushed: list[bytes] = []

    for expected in retry_all_report()["jobs"]:
        after = json.loads(expected["raw_after"])
        actions = _actions(
            redis_client, tmp_path, clock=lambda a=after: a["enqueued_at"]
        )
        report = actions.retry([jobs[expected["jid"]]], reason="as Sidekiq did")
        assert report.summary() == "1 retried"
        pushed.append(expected["raw_after"].encode())

    # Every member left its set; each push is byte-identical to Ruby's.
    assert redis_client.zcard("retry") == 0
    assert redis_client.zcard("dead") == 0
    assert redis_client.zcard("schedule") == 13
    assert redis_client.smembers("queues") == {b"dqt"}
    assert redis_client.lrange("queue:dqt", 0, -1) == list(reversed(pushed))
    captured_after = {
        entry["payload_string"].encode()
        for entry in capture("captured-app-options-after-retry", "queue_dqt")
    }
    assert set(pushed) == captured_after


def test_retry_of_a_member_already_gone_pushes_nothing(
    redis_client: Any, tmp_path: Path
) -> None:
    zadd_raw(redis_client, "dead", b01_member(1), 1685610001.0)
    job = _by_jid(redis_client)["b01000000000000000000001"]
    actions = _actions(redis_client, tmp_path)

    first = actions.retry([job], reason="one more try")
    second = actions.retry([job], reason="one more try")
    assert [o.outcome for o in first.outcomes] == ["retried"]
    assert [o.outcome for o in second.outcomes] == ["already_gone"]
    assert second.outcomes[0].detail == "no longer in dead: nothing pushed"
    assert redis_client.llen("queue:dqt") == 1

    pushed = json.loads(redis_client.lindex("queue:dqt", 0))
    assert pushed["jid"] == "b01000000000000000000001"
    assert pushed["retry_count"] == -1
    assert pushed["enqueued_at"] == FIXED_NOW
    assert pushed["error_class"] == "Dqt::Client::HttpError"


def test_scheduled_entry_is_added_to_its_queue(
    redis_client: Any, tmp_path: Path
) -> None:
    load_capture(redis_client, "captured-app-options")
    scheduled = read_snapshot(redis_client).sets["schedule"][0]
    report = _actions(redis_client, tmp_path).retry([scheduled], reason="run it now")
    assert report.summary() == "1 queued"
    pushed = json.loads(redis_client.lindex("queue:dqt", 0))
    original = json.loads(scheduled.raw)
    assert pushed == {**original, "enqueued_at": FIXED_NOW}
    assert list(pushed) == [*original, "enqueued_at"]
    assert redis_client.zcard("schedule") == 12


def test_sidekiq_8_retry_writes_integer_milliseconds(
    redis_client: Any, tmp_path: Path
) -> None:
    zadd_raw(redis_client, "retry", report_members("B05")[0], 1717007300.5)
    job = _by_jid(redis_client)["b05000000000000000000555"]
    _actions(redis_client, tmp_path, major="8").retry([job], reason="retry")
    pushed = json.loads(redis_client.lindex("queue:dqt", 0))
    assert pushed["enqueued_at"] == 1717000000250
    assert pushed["retry_count"] == 0
    assert pushed["created_at"] == 1717000000123


def test_delete_by_exact_member(redis_client: Any, tmp_path: Path) -> None:
    zadd_raw(redis_client, "retry", report_members("B01")[0], 1717000000.0)
    zadd_raw(redis_client, "retry", report_members("B03")[0], 1717007200.0)
    jobs = _by_jid(redis_client)
    unreadable = jobs["0b03c0ffee0b03c0ffee0b03"]
    actions = _actions(redis_client, tmp_path)

    preview = actions.preview_delete([unreadable])
    assert [step.member for step in preview.steps] == [unreadable.raw]
    assert redis_client.zcard("retry") == 2  # a preview changes nothing

    report = actions.delete([unreadable], reason="bad JSON")
    assert report.summary() == "1 deleted"
    assert actions.delete([unreadable], reason="bad JSON").summary() == "1 already gone"
    assert redis_client.zrange("retry", 0, -1) == [report_members("B01")[0].encode()]


def test_bulk_delete_keeps_each_jobs_outcome_in_order(
    redis_client: Any, tmp_path: Path
) -> None:
    # More members than one pipelined round trip holds, one of them already gone.
    for number in range(450):
        zadd_raw(redis_client, "dead", b01_member(number), 1685610001.0 + number)
    jobs = read_snapshot(redis_client).sets["dead"]
    redis_client.zrem("dead", jobs[300].raw)

    report = _actions(redis_client, tmp_path).delete(jobs, reason="clean up")

    assert [o.jid for o in report.outcomes] == [job.jid for job in jobs]
    assert [o.outcome for o in report.outcomes].count("deleted") == 449
    assert report.outcomes[300].outcome == "already_gone"
    assert redis_client.zcard("dead") == 0


def test_writes_need_permission_and_a_reason(redis_client: Any, tmp_path: Path) -> None:
    zadd_raw(redis_client, "dead", b01_member(1), 1685610001.0)
    job = _by_jid(redis_client)["b01000000000000000000001"]

    with pytest.raises(ActionRefused, match="writes are disabled"):
        _actions(redis_client, tmp_path, writes=False).retry([job], reason="x")
    with pytest.raises(ActionRefused, match="a reason is required"):
        _actions(redis_client, tmp_path).delete([job], reason="  ")
    assert redis_client.zcard("dead") == 1
    assert redis_client.llen("queue:dqt") == 0

    entries = Journal(tmp_path / "journal.jsonl").read(newest_first=False)
    assert [(e.action, e.outcome) for e in entries] == [
        ("jobs.retry", "refused"),
        ("jobs.delete", "refused"),
    ]


def test_journal_records_each_action(redis_client: Any, tmp_path: Path) -> None:
    for number in (1, 2):
        zadd_raw(redis_client, "dead", b01_member(number), 1685610000.0 + number)
    jobs = list(_by_jid(redis_client).values())
    actions = _actions(redis_client, tmp_path)
    actions.retry(jobs, reason="DQT was down")
    actions.retry(jobs, reason="DQT was down")

    entries = Journal(tmp_path / "journal.jsonl").read(newest_first=False)
    assert [(e.action, e.outcome) for e in entries] == [
        ("jobs.retry", "applied"),
        ("jobs.retry", "failed"),
    ]
    assert entries[0].comment == "DQT was down"
    assert entries[0].operator == "tester"
    assert entries[0].summary == "jobs.retry: 2 retried"
    assert [o["outcome"] for o in entries[1].detail["outcomes"]] == [
        "already_gone",
        "already_gone",
    ]


def test_b01_bulk_retry_is_bounded_with_a_failing_worker(
    redis_client: Any, tmp_path: Path
) -> None:
    for number in range(1, 51):
        zadd_raw(redis_client, "dead", b01_member(number), 1685610000.0 + number)
    view = load_failed_jobs(redis_client, None)
    case_rows = view.by_case("dqt_500")
    assert len(case_rows) == 50

    popped: list[bytes] = []
    stop = threading.Event()

    def failing_worker() -> None:
        # What a retry: 0 job does when it fails again: straight back to dead.
        client = redis_client.__class__(connection_pool=redis_client.connection_pool)
        while not stop.is_set():
            found = client.brpop(["queue:dqt"], timeout=0.1)
            if found:
                popped.append(found[1])
                client.zadd("dead", {found[1]: time.time()})

    worker = threading.Thread(target=failing_worker)
    worker.start()
    try:
        actions = _actions(redis_client, tmp_path, clock=time.time)
        report = actions.retry([row.job for row in case_rows], reason="bulk 500")
        _wait_until(lambda: len(popped) == 50)
    finally:
        stop.set()
        worker.join()

    assert report.summary() == "50 retried"
    assert len(popped) == 50
    assert len(set(popped)) == 50
    assert redis_client.zcard("dead") == 50
    assert redis_client.llen("queue:dqt") == 0
    refailed = read_snapshot(redis_client).sets["dead"]
    assert all(job.retry_count == -1 for job in refailed)
    assert all((job.score or 0) > 1685610050.0 for job in refailed)


def test_two_operators_retrying_at_once_push_each_job_once(
    redis_client: Any, tmp_path: Path
) -> None:
    for number in range(1, 51):
        zadd_raw(redis_client, "dead", b01_member(number), 1685610000.0 + number)
    barrier = threading.Barrier(2)
    reports: list[Any] = []

    def operator(name: str) -> None:
        client = redis_client.__class__(connection_pool=redis_client.connection_pool)
        jobs = [row.job for row in load_failed_jobs(client, None).by_case("dqt_500")]
        actions = JobActions(
            client,
            writes_enabled=True,
            operator=name,
            journal=Journal(tmp_path / f"{name}.jsonl"),
            clock=time.time,
        )
        barrier.wait()
        reports.append(actions.retry(jobs, reason="both at once"))

    threads = [threading.Thread(target=operator, args=(n,)) for n in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    counts = [report.counts() for report in reports]
    assert sum(c["retried"] for c in counts) == 50
    assert sum(c["already_gone"] for c in counts) == 50
    queued = redis_client.lrange("queue:dqt", 0, -1)
    assert len(queued) == 50
    assert len({json.loads(item)["jid"] for item in queued}) == 50
    assert redis_client.zcard("dead") == 0


def test_b07_bulk_retry_skips_orphans_and_says_so(
    redis_client: Any, engine: Any, tmp_path: Path
) -> None:
    seed_b07(engine, redis_client)
    orphan = report_members("B07")[0]
    view = load_failed_jobs(redis_client, engine)
    resolutions = {row.job.target: row.resolution for row in view.rows}
    actions = _actions(redis_client, tmp_path)

    report = actions.retry(
        [row.job for row in view.rows], reason="bulk", resolutions=resolutions
    )
    assert report.summary() == "2 retried, 3 skipped (target missing or discarded)"
    retried = sorted(o.jid for o in report.outcomes if o.outcome == "retried")
    assert retried == ["b07000000000000000000701", "b07000000000000000000702"]

    # One orphan, confirmed: pushed as it is, with the warning.
    (row_799,) = view.find("b07000000000000000000799")
    preview = actions.preview_retry(
        [row_799.job], resolutions=resolutions, allow_orphans=True
    )
    assert "will fail again: trainee 799 not found" in preview.warnings[0]
    single = actions.retry(
        [row_799.job], reason="asked", resolutions=resolutions, allow_orphans=True
    )
    assert single.summary() == "1 retried"
    pushed = json.loads(redis_client.lindex("queue:dqt", 0))
    assert pushed["args"] == json.loads(orphan)["args"]

    # Delete works on the remaining orphan rows.
    rest = [
        view.find(jid)[0].job
        for jid in ("b07000000000000000000703", "b07000000000000000005160")
    ]
    assert actions.delete(rest, reason="orphans").summary() == "2 deleted"
    assert redis_client.zcard("dead") == 0


def test_b03_bulk_retry_skips_the_unreadable_row(
    redis_client: Any, tmp_path: Path
) -> None:
    zadd_raw(redis_client, "retry", b01_member(1), 1717000000.0)
    zadd_raw(redis_client, "retry", b01_member(2), 1717000001.0)
    zadd_raw(redis_client, "retry", report_members("B03")[0], 1717007200.0)
    jobs = read_snapshot(redis_client).sets["retry"]
    assert len(jobs) == 3
    report = _actions(redis_client, tmp_path).retry(jobs, reason="bulk")
    assert report.summary() == "2 retried, 1 skipped (unreadable)"
    assert redis_client.zrange("retry", 0, -1) == [report_members("B03")[0].encode()]


def test_preview_lists_removals_and_pushes_in_order(
    redis_client: Any, tmp_path: Path
) -> None:
    zadd_raw(redis_client, "dead", report_members("B08")[0], 1686052801.0)
    job = _by_jid(redis_client)["b08000000000000000000808"]
    actions = _actions(redis_client, tmp_path)
    preview = actions.preview_retry([job])

    assert [(step.op, step.key) for step in preview.steps] == [
        ("remove", "dead"),
        ("push", "queue:dqt"),
    ]
    assert preview.steps[0].member == job.raw
    assert preview.steps[1].description == (
        "retry: push b08000000000000000000808 to queue:dqt, retry_count 0 -> -1, "
        "fresh enqueued_at"
    )
    assert "does not advise a retry" in preview.warnings[0]
    assert redis_client.llen("queue:dqt") == 0

    actions.retry([job], reason="checked with DQT")
    assert redis_client.lindex("queue:dqt", 0).decode() == preview.steps[1].payload


def _trainee(engine: Any, slug: str) -> TraineeSummary:
    found = find_trainee(engine, slug)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("major", "wrapper", "stamp"),
    [
        ("6", wire.RAILS_WRAPPER, FIXED_NOW),
        ("7", wire.RAILS_WRAPPER, FIXED_NOW),
        ("8", wire.SIDEKIQ8_WRAPPER, 1717000000250),
    ],
)
def test_enqueue_the_three_playbook_jobs(
    redis_client: Any,
    engine: Any,
    tmp_path: Path,
    major: str,
    wrapper: str,
    stamp: float,
) -> None:
    add_provider(engine)
    add_trainee(engine, 42, slug="AbCdEf123456789012345678", trn=None, state=1)
    add_trn_request(engine, 4242, 42)
    trainee = _trainee(engine, "abcdef123456789012345678")
    assert trainee.trn_request_id == 4242
    actions = _actions(redis_client, tmp_path, major=major)

    for kind in ("register_for_trn", "retrieve_trn", "update_trainee"):
        request = EnqueueRequest(kind, trainee, date(2024, 6, 5))  # type: ignore[arg-type]
        report = actions.enqueue(request, reason="playbook: re-register")
        assert report.counts()["enqueued"] == 1

    queued = [
        json.loads(item) for item in reversed(redis_client.lrange("queue:dqt", 0, -1))
    ]
    assert redis_client.smembers("queues") == {b"dqt"}
    assert [job["wrapped"] for job in queued] == [
        "Dqt::RegisterForTrnJob",
        "Dqt::RetrieveTrnJob",
        "Dqt::UpdateTraineeJob",
    ]
    assert [job["retry"] for job in queued] == [0, True, 0]
    assert {job["class"] for job in queued} == {wrapper}
    assert {job["enqueued_at"] for job in queued} == {stamp}
    assert queued[0]["args"][0]["arguments"] == [
        {"_aj_globalid": "gid://register-trainee-teachers/Trainee/42"}
    ]
    assert queued[1]["args"][0]["arguments"] == [
        {"_aj_globalid": "gid://register-trainee-teachers/Dqt::TrnRequest/4242"},
        {
            "_aj_serialized": "ActiveJob::Serializers::DateSerializer",
            "value": "2024-06-05",
        },
    ]
    assert queued[1]["args"][0]["enqueued_at"] == datetime.fromtimestamp(
        FIXED_NOW, UTC
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    for job in queued:
        assert list(job) == [
            "retry",
            "queue",
            "class",
            "wrapped",
            "args",
            "jid",
            "created_at",
            "enqueued_at",
        ]
    update_preview = actions.preview_enqueue(EnqueueRequest("update_trainee", trainee))
    assert "has no TRN" in update_preview.warnings[0]


def test_polling_timeout_is_judged_by_the_actions_clock(
    redis_client: Any, engine: Any, tmp_path: Path
) -> None:
    add_provider(engine)
    add_trainee(engine, 44, trn=None, state=1)
    add_trn_request(engine, 4444, 44)
    trainee = _trainee(engine, "44")
    actions = _actions(redis_client, tmp_path)  # the clock says 2024-05-29

    ahead = actions.preview_enqueue(
        EnqueueRequest("retrieve_trn", trainee, date(2024, 6, 5))
    )
    today = actions.preview_enqueue(
        EnqueueRequest("retrieve_trn", trainee, date(2024, 5, 29))
    )

    assert not any("not in the future" in warning for warning in ahead.warnings)
    assert today.warnings == (
        "the timeout is not in the future: polling stops at once",
    )


def test_polling_job_needs_a_trn_request_row(
    redis_client: Any, engine: Any, tmp_path: Path
) -> None:
    add_provider(engine)
    add_trainee(engine, 43)
    trainee = _trainee(engine, "43")
    actions = _actions(redis_client, tmp_path)
    request = EnqueueRequest("retrieve_trn", trainee, date(2024, 6, 5))
    with pytest.raises(ActionRefused, match="no TRN request row"):
        actions.enqueue(request, reason="poll")
    assert redis_client.llen("queue:dqt") == 0


def _wait_until(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def test_parse_member_of_pushed_payload_round_trips(redis_client: Any) -> None:
    member = b01_member(7)
    job = parse_member("dead", member, 1.0)
    assert job.raw == member.encode()
    assert job.jid == "b01000000000000000000007"


def test_malformed_entries_and_queue_items_are_not_retried(
    redis_client: Any, tmp_path: Path
) -> None:
    zadd_raw(redis_client, "dead", b'{"jid":"noclass","args":[]}', 1.0)
    zadd_raw(redis_client, "dead", b'{"class":"X","jid":"noargs"}', 2.0)
    redis_client.lpush("queue:dqt", b01_member(9))
    jobs = load_failed_jobs(redis_client, None, include_queues=True)
    actions = _actions(redis_client, tmp_path)

    report = actions.retry([row.job for row in jobs.rows], reason="try all")
    assert [(o.jid, o.outcome) for o in report.outcomes] == [
        ("noclass", "skipped"),
        ("noargs", "skipped"),
        ("b01000000000000000000009", "skipped"),
    ]
    assert report.outcomes[0].detail == "malformed entry: no class"
    assert report.outcomes[1].detail == "malformed entry: no args"
    assert report.outcomes[2].detail == "not in retry, dead or schedule"
    assert redis_client.llen("queue:dqt") == 1
    assert redis_client.zcard("dead") == 2

    deleted = actions.delete([row.job for row in jobs.rows[:2]], reason="junk")
    assert deleted.summary() == "2 deleted"
