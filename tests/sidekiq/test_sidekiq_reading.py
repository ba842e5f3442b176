"""Reading Sidekiq's Redis data, resolving trainees and the list, on real servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sidekiq_cases import (
    add_provider,
    add_trainee,
    add_trn_request,
    capture,
    load_capture,
    report_members,
    seed_b07,
    zadd_raw,
)
from sqlalchemy import event

from services.sidekiq.listing import load_failed_jobs, one_line, row_to_json
from services.sidekiq.reader import (
    dead_set_health,
    queue_names,
    read_queue,
    read_snapshot,
    snapshot_dead_set_health,
)
from services.sidekiq.resolve import group_by_trainee, resolve_jobs


def test_snapshot_keeps_exact_bytes_and_scores(redis_client: Any) -> None:
    load_capture(redis_client, "captured-app-options")
    snapshot = read_snapshot(redis_client)

    for name, count in (("retry", 7), ("dead", 20), ("schedule", 13)):
        entries = capture("captured-app-options", name)
        jobs = snapshot.sets[name]
        assert len(jobs) == count
        assert [job.raw for job in jobs] == [
            entry["payload_string"].encode() for entry in entries
        ]
        assert [job.score for job in jobs] == [entry["score"] for entry in entries]
    assert len(snapshot.failed) == 40


def test_queue_reading_oldest_first(redis_client: Any) -> None:
    load_capture(redis_client, "captured-app-options-after-retry")
    redis_client.rpush("queue:unlisted", b'{"class":"X","args":[],"jid":"q1"}')
    assert queue_names(redis_client) == ["dqt", "unlisted"]

    queued = read_queue(redis_client, "dqt")
    entries = capture("captured-app-options-after-retry", "queue_dqt")
    assert len(queued) == 27
    # LRANGE order is newest first (LPUSH); the next job to run is the last one.
    assert queued[0].raw == entries[-1]["payload_string"].encode()
    assert all(job.where == "queue:dqt" and job.queue == "dqt" for job in queued)
    assert all(job.retry_count == -1 for job in queued)


def test_dead_set_health_against_cap_and_age(redis_client: Any) -> None:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    oldest = now - timedelta(days=170)
    zadd_raw(redis_client, "dead", report_members("B07")[0], oldest.timestamp())
    zadd_raw(redis_client, "dead", report_members("B08")[0], now.timestamp())

    health = dead_set_health(redis_client, max_jobs=2, now=now)
    assert health.size == 2
    assert health.oldest_at == oldest
    assert health.oldest_age == timedelta(days=170)
    assert round(health.days_until_oldest_expires or 0) == 10
    warnings = health.warnings(warn_fraction=0.9, warn_age_days=150)
    assert warnings[0].startswith("dead set is full (2 of 2)")
    assert "oldest dead entry is 170 days old" in warnings[1]

    roomy = dead_set_health(redis_client, now=now)
    assert roomy.max_jobs == 10_000
    assert roomy.warnings(warn_fraction=0.9, warn_age_days=175) == []


def test_dead_set_health_from_a_snapshot_matches_redis(redis_client: Any) -> None:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    oldest = now - timedelta(days=170)
    zadd_raw(redis_client, "dead", report_members("B08")[0], now.timestamp())
    zadd_raw(redis_client, "dead", report_members("B07")[0], oldest.timestamp())

    health = snapshot_dead_set_health(read_snapshot(redis_client), max_jobs=2)
    view = load_failed_jobs(redis_client, None)

    assert (health.size, health.oldest_at) == (2, oldest)
    assert view.health is not None
    assert (view.health.size, view.health.oldest_at) == (2, oldest)

    redis_client.delete("dead")
    empty = snapshot_dead_set_health(read_snapshot(redis_client))
    assert (empty.size, empty.oldest_at, empty.oldest_age) == (0, None, None)


def test_b07_targets_resolved_in_one_query(redis_client: Any, engine: Any) -> None:
    seed_b07(engine, redis_client)

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    view = load_failed_jobs(redis_client, engine)
    assert len(statements) == 1

    notes = {row.job.jid: row.resolution.note for row in view.rows}
    assert notes == {
        "b07000000000000000000799": "trainee 799 not found",
        "b07000000000000000005160": "TRN request 5160: row gone",
        "b07000000000000000000701": "trainee 701",
        "b07000000000000000000702": "trainee 702",
        "b07000000000000000000703": "trainee 703 discarded on 2023-05-30",
    }
    orphans = {row.job.jid for row in view.rows if row.resolution.is_orphan}
    assert orphans == {
        "b07000000000000000000799",
        "b07000000000000000005160",
        "b07000000000000000000703",
    }


def test_trn_request_resolves_through_its_trainee(
    redis_client: Any, engine: Any
) -> None:
    load_capture(redis_client, "captured-app-options")
    add_provider(engine)
    for number in range(1, 41):
        add_trainee(engine, number)
        add_trn_request(engine, 50000 + number, number)

    view = load_failed_jobs(redis_client, engine)
    retrieve = [row for row in view.rows if row.job.job_class == "Dqt::RetrieveTrnJob"]
    assert len(retrieve) == 8  # 2 dead, 1 retry, 5 scheduled
    for row in retrieve:
        assert row.resolution.status == "found"
        assert row.job.target is not None
        assert row.resolution.trainee_id == int(row.job.target.id) - 50000
        assert row.resolution.trainee.trn_request_id == int(row.job.target.id)


def test_grouping_dead_retry_and_scheduled_for_one_trainee(
    redis_client: Any, engine: Any
) -> None:
    add_provider(engine)
    add_trainee(engine, 808)
    dead = report_members("B08")[0]
    zadd_raw(redis_client, "dead", dead, 1686052801.0)
    retry = dead.replace("b08000000000000000000808", "b08000000000000000000809")
    zadd_raw(redis_client, "retry", retry, 1686052901.0)
    scheduled = (
        '{"retry":true,"queue":"dqt","class":"ActiveJob::QueueAdapters::SidekiqAdapter'
        '::JobWrapper","wrapped":"Dqt::RecommendForAwardJob","args":[{"job_class":'
        '"Dqt::RecommendForAwardJob","job_id":"0b080000-0000-4000-8000-000000000999",'
        '"provider_job_id":"b08000000000000000000777","queue_name":"dqt","priority":'
        'null,"arguments":[{"_aj_globalid":"gid://register-trainee-teachers/Trainee/'
        '808"}],"executions":1,"exception_executions":{"[Dqt::Client::HttpError]":1},'
        '"locale":"en","timezone":"UTC","enqueued_at":"2023-06-06T12:00:00Z"}],'
        '"jid":"b08000000000000000000888","created_at":1686052800.5}'
    )
    zadd_raw(redis_client, "schedule", scheduled, 1686056400.0)

    jobs = read_snapshot(redis_client).failed
    groups = group_by_trainee(jobs, resolve_jobs(engine, jobs))
    assert len(groups) == 1
    group = groups[0]
    assert group.key == "trainee:808"
    assert [job.where for job in group.jobs] == ["dead", "retry", "schedule"]
    assert len(group.notes) == 1  # failed update + failed award: update first


def test_list_json_for_bad_and_mixed_members(redis_client: Any, engine: Any) -> None:
    zadd_raw(redis_client, "retry", report_members("B01")[0], 1717000000.0)
    zadd_raw(redis_client, "retry", report_members("B03")[0], 1717007200.0)
    zadd_raw(redis_client, "retry", b"\x00\x01 binary", 1717007300.0)
    for member in report_members("B05"):
        zadd_raw(redis_client, "retry", member, 1717007300.5)

    view = load_failed_jobs(redis_client, engine)
    assert len(view.rows) == 5
    rows = {row.job.jid: row_to_json(row) for row in view.rows}

    bad = rows["0b03c0ffee0b03c0ffee0b03"]
    assert bad["readable"] is False
    assert bad["parse_error"] == "unreadable JSON: Expecting ',' delimiter at char 460"
    assert bad["score_time"] == "2024-05-29T18:26:40.000Z"
    assert bad["job_class"] == "Dqt::RecommendForAwardJob"
    assert bad["case"]["key"] == "unreadable"

    binary = next(row for row in view.rows if row.job.raw == b"\x00\x01 binary")
    assert row_to_json(binary)["case"]["key"] == "unreadable"

    sidekiq8 = rows["b05000000000000000000555"]
    assert sidekiq8["created_at"] == "2024-05-29T16:26:40.123Z"
    assert sidekiq8["wrapper_class"] == "Sidekiq::ActiveJob::Wrapper"
    assert sidekiq8["trainee"]["status"] == "trainee_not_found"
    assert sidekiq8["case"]["key"] == "dqt_500"
    assert sidekiq8["arguments"] == ["Trainee/555"]


def test_b13_long_messages_give_one_line_summaries(redis_client: Any) -> None:
    line = "status: 502, body: <html><body>Bad gateway</body></html>"
    message = "\n".join([line] * 200)[:10_000]
    template = report_members("B01")[0]
    pipe = redis_client.pipeline()
    for number in range(200):
        member = template.replace(
            '"error_message":"status: 500, body: , headers: {}"',
            '"error_message":' + _json_string(message),
        ).replace("b01000000000000000000001", f"b13{number:021d}")
        pipe.zadd("dead", {member.encode(): 1685610000.0 + number})
    flat = template.replace(
        '"error_message":"status: 500, body: , headers: {}"',
        '"error_message":' + _json_string("x" * 10_000),
    ).replace("b01000000000000000000001", "b13flat00000000000000000")
    pipe.zadd("dead", {flat.encode(): 1685620000.0})
    pipe.execute()

    view = load_failed_jobs(redis_client, None)
    assert len(view.rows) == 201
    for row in view.rows:
        summary = row.summary(60)
        assert "\n" not in summary
        assert len(summary) <= 60
    assert view.rows[0].summary(60) == (
        "502 · HTML page (message cut at 10,000 characters)"
    )
    assert view.rows[-1].summary(60) == "x" * 59 + "…"
    assert view.rows[0].resolution.note == "Trainee/101 (not checked: no database)"
    assert one_line("a\n\n b\tc", 80) == "a b c"


def _json_string(text: str) -> str:
    import json

    return json.dumps(text)
