"""Pending TRNs, pending awards and timed-out polling on real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import redis
from monitor_rows import (
    HTTP_500,
    NOT_FOUND,
    add_provider,
    add_trainee,
    add_trn_request,
    job_payload,
    put_job,
    trainee_gid,
    trn_request_gid,
)

from services import monitors
from services.sidekiq import wire

TODAY = date(2026, 12, 4)
RETRIEVE = "Dqt::RetrieveTrnJob"
AWARD = "Dqt::RecommendForAwardJob"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def epoch(text: str) -> float:
    return at(text).replace(tzinfo=UTC).timestamp()


def _submitted(engine: Any, trainee_id: int, when: str, request: int | None) -> None:
    add_trainee(engine, trainee_id, state=1, submitted_for_trn_at=at(when))
    if request is not None:
        add_trn_request(engine, request, trainee_id, at(when))


@pytest.fixture
def pending_trn_data(engine: Any, redis_client: Any) -> None:
    add_provider(engine)
    _submitted(engine, 1, "2026-12-02T10:00", 1001)
    _submitted(engine, 2, "2026-11-20T10:00", 1002)
    _submitted(engine, 3, "2026-11-10T10:00", 1003)
    _submitted(engine, 4, "2026-11-25T10:00", 1004)
    _submitted(engine, 5, "2026-12-03T10:00", 1005)
    add_trainee(
        engine,
        6,
        state=1,
        submitted_for_trn_at=at("2026-11-01T10:00"),
        discarded_at=at("2026-11-02T10:00"),
    )
    add_trainee(engine, 7, state=2, trn="1234567")
    _submitted(engine, 8, "2026-12-01T10:00", 1008)
    _submitted(engine, 9, "2026-11-01T10:00", None)
    _submitted(engine, 10, "2026-11-28T10:00", 1010)

    timeout = wire.date_argument(date(2026, 12, 6))
    put_job(
        redis_client,
        "schedule",
        job_payload(RETRIEVE, [trn_request_gid(1001), timeout], jid="a" * 24),
        epoch("2026-12-04T11:00"),
    )
    put_job(
        redis_client,
        "retry",
        job_payload(
            RETRIEVE,
            [trn_request_gid(1002), timeout],
            jid="b" * 24,
            error_message=HTTP_500,
        ),
        epoch("2026-12-04T12:30"),
    )
    put_job(
        redis_client,
        "dead",
        job_payload(
            RETRIEVE,
            [trn_request_gid(1003)],
            jid="c" * 24,
            error_message=NOT_FOUND,
            enqueued=at("2026-11-15T07:59Z"),
        ),
        epoch("2026-11-15T08:00"),
    )
    put_job(
        redis_client,
        "queue:dqt",
        job_payload(RETRIEVE, [trn_request_gid(1008)], jid="d" * 24),
    )
    put_job(
        redis_client,
        "schedule",
        job_payload(
            RETRIEVE,
            [trn_request_gid(1010), timeout],
            jid="e" * 24,
            exception_executions={"[Dqt::Client::HttpError]": 1},
        ),
        epoch("2026-12-04T09:05"),
    )
    # A poll for a TRN request that belongs to nobody here is ignored.
    put_job(
        redis_client,
        "schedule",
        job_payload(RETRIEVE, [trn_request_gid(5160)], jid="f" * 24),
        epoch("2026-12-04T11:00"),
    )


def test_pending_trns_rows_order_and_job_status(
    engine: Any, redis_client: Any, pending_trn_data: None
) -> None:
    with engine.connect() as conn:
        rows = monitors.pending_trns(conn, redis_client, today=TODAY)

    by_id = {row.trainee.id: row for row in rows}
    assert [row.trainee.id for row in rows] == [9, 3, 2, 4, 10, 8, 1, 5]
    assert 6 not in by_id and 7 not in by_id

    scheduled = by_id[1]
    assert scheduled.activity.status == "scheduled"
    assert scheduled.activity.next_run == datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
    assert scheduled.timeout_date == date(2026, 12, 6)
    assert scheduled.days_waiting == 2
    assert scheduled.request_state_label == "requested"
    assert scheduled.timed_out is False
    assert scheduled.situation == (
        "polling: next check 2026-12-04 11:00, gives up on 2026-12-06"
    )

    assert by_id[2].activity.status == "retrying"
    assert "500" in (by_id[2].activity.error or "")
    assert by_id[2].days_waiting == 14
    assert by_id[2].timed_out is False

    dead = by_id[3]
    assert dead.activity.status == "dead"
    assert dead.activity.last_run == datetime(2026, 11, 15, 8, 0, tzinfo=UTC)
    assert dead.timed_out is True  # a dead job polls nothing
    assert "10001" in (dead.activity.error or "")

    assert by_id[4].activity.status == "none"
    assert by_id[4].timed_out is True
    assert by_id[4].deadline == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert by_id[4].situation == (
        "timed out on 2026-11-29: no RetrieveTrnJob is polling"
    )

    assert by_id[5].activity.status == "none"
    assert by_id[5].timed_out is False
    assert by_id[5].situation == "polling stopped: no RetrieveTrnJob in Sidekiq"

    assert by_id[8].activity.status == "queued"
    assert by_id[8].activity.next_run is None
    # An ActiveJob retry_on entry in `schedule` is a retry, not a poll.
    assert by_id[10].activity.status == "retrying"

    no_request = by_id[9]
    assert no_request.trn_request_id is None
    assert no_request.days_waiting is None
    assert no_request.request_state_label == "no TRN request"
    assert any("no TRN request row" in note for note in no_request.notes)
    assert no_request.timed_out is True


def test_timed_out_polling_is_past_deadline_without_live_job(
    engine: Any, redis_client: Any, pending_trn_data: None
) -> None:
    with engine.connect() as conn:
        stuck = monitors.timed_out_polling(conn, redis_client, today=TODAY)
    assert [row.trainee.id for row in stuck] == [9, 3, 4]


def test_failed_trn_request_shows_its_stored_error(
    engine: Any, redis_client: Any
) -> None:
    add_provider(engine)
    add_trainee(engine, 1, state=1, submitted_for_trn_at=at("2026-12-01T10:00"))
    add_trn_request(
        engine, 1001, 1, at("2026-12-01T10:00"), state=2, response={"error": HTTP_500}
    )
    with engine.connect() as conn:
        [row] = monitors.pending_trns(conn, redis_client, today=TODAY)
    assert row.request_state_label == "failed"
    assert row.request_error is not None and "500" in row.request_error


def test_missing_submitted_for_trn_at_falls_back_on_the_request(
    engine: Any, redis_client: Any
) -> None:
    add_provider(engine)
    add_trainee(engine, 1, state=1, submitted_for_trn_at=None)
    add_trn_request(engine, 1001, 1, at("2026-11-01T10:00"))
    with engine.connect() as conn:
        [row] = monitors.pending_trns(conn, redis_client, today=TODAY)
    assert any("submitted_for_trn_at is missing" in note for note in row.notes)
    assert row.deadline == datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
    assert row.timed_out is True


@pytest.mark.parametrize(
    ("submitted", "today", "timed_out"),
    [
        # October: 10 days, whatever the month of submission.
        ("2026-09-28T10:00", date(2026, 10, 3), False),
        ("2026-09-28T10:00", date(2026, 10, 7), False),
        ("2026-09-28T10:00", date(2026, 10, 8), True),
        # Any other month: 4 days.
        ("2026-11-01T10:00", date(2026, 11, 4), False),
        ("2026-11-01T10:00", date(2026, 11, 5), True),
        ("2026-09-25T10:00", date(2026, 9, 29), True),
    ],
)
def test_october_timeout_rule(
    engine: Any, redis_client: Any, submitted: str, today: date, timed_out: bool
) -> None:
    add_provider(engine)
    _submitted(engine, 1, submitted, 1001)
    with engine.connect() as conn:
        stuck = monitors.timed_out_polling(conn, redis_client, today=today)
    assert [row.trainee.id for row in stuck] == ([1] if timed_out else [])


def test_poll_timeout_days() -> None:
    assert monitors.poll_timeout_days(date(2026, 10, 1)) == 10
    assert monitors.poll_timeout_days(date(2026, 10, 31)) == 10
    assert monitors.poll_timeout_days(date(2026, 9, 30)) == 4
    assert monitors.poll_timeout_days(date(2026, 11, 1)) == 4


class CountingRedis(redis.Redis):
    """A real client that counts the commands it sends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: list[str] = []

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.commands.append(str(args[0]).upper())
        return super().execute_command(*args, **options)


def test_redis_is_read_once_per_call_not_per_trainee(
    engine: Any, redis_client: Any, redis_url: str
) -> None:
    add_provider(engine)
    for trainee_id in range(1, 41):
        _submitted(engine, trainee_id, "2026-12-01T10:00", 1000 + trainee_id)
        put_job(
            redis_client,
            "schedule",
            job_payload(
                RETRIEVE, [trn_request_gid(1000 + trainee_id)], jid=f"{trainee_id:024d}"
            ),
            epoch("2026-12-04T11:00"),
        )
    counting = CountingRedis.from_url(redis_url)
    with engine.connect() as conn:
        rows = monitors.pending_trns(conn, counting, today=TODAY)
    assert len(rows) == 40
    assert {row.activity.status for row in rows} == {"scheduled"}
    assert counting.commands.count("ZRANGE") == 3  # retry, dead, schedule: once each
    assert len(counting.commands) < 10


@pytest.fixture
def pending_award_data(engine: Any, redis_client: Any) -> None:
    add_provider(engine)

    def recommended(trainee_id: int, when: str, **extra: Any) -> None:
        add_trainee(
            engine,
            trainee_id,
            state=3,
            trn=f"{2000000 + trainee_id}",
            recommended_for_award_at=at(when),
            **extra,
        )

    recommended(21, "2026-11-01T09:00")
    recommended(22, "2026-11-20T09:00")
    recommended(23, "2026-10-15T09:00")
    recommended(24, "2026-12-03T09:00")
    recommended(25, "2026-11-25T09:00")
    recommended(26, "2026-11-30T09:00", training_route=2)
    recommended(27, "2026-10-01T09:00", discarded_at=at("2026-10-02T09:00"))
    add_trainee(engine, 28, state=6, trn="2000028")

    put_job(
        redis_client,
        "dead",
        job_payload(
            AWARD,
            [trainee_gid(21)],
            jid="1" * 24,
            error_message=NOT_FOUND,
            enqueued=at("2026-11-02T08:59Z"),
        ),
        epoch("2026-11-02T09:00"),
    )
    put_job(
        redis_client,
        "retry",
        job_payload(AWARD, [trainee_gid(22)], jid="2" * 24, error_message=HTTP_500),
        epoch("2026-12-04T13:00"),
    )
    put_job(
        redis_client,
        "schedule",
        job_payload(
            AWARD,
            [trainee_gid(23)],
            jid="3" * 24,
            exception_executions={"[Dqt::Client::HttpError]": 2},
        ),
        epoch("2026-12-04T09:30"),
    )
    put_job(
        redis_client, "queue:dqt", job_payload(AWARD, [trainee_gid(24)], jid="4" * 24)
    )
    put_job(
        redis_client,
        "schedule",
        job_payload(AWARD, [trainee_gid(25)], jid="5" * 24),
        epoch("2026-12-05T09:00"),
    )


def test_pending_awards_oldest_first_with_job_status(
    engine: Any, redis_client: Any, pending_award_data: None
) -> None:
    with engine.connect() as conn:
        rows = monitors.pending_awards(conn, redis_client, today=TODAY)

    assert [row.trainee.id for row in rows] == [23, 21, 22, 25, 26, 24]
    by_id = {row.trainee.id: row for row in rows}

    assert by_id[21].activity.status == "dead"
    assert by_id[21].activity.last_run == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert by_id[21].days_waiting == 33
    assert "10001" in by_id[21].situation

    assert by_id[22].activity.status == "retrying"
    assert by_id[22].activity.next_run == datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
    assert by_id[23].activity.status == "retrying"
    assert by_id[24].activity.status == "queued"
    assert by_id[25].activity.status == "scheduled"
    assert by_id[25].situation == "RecommendForAwardJob scheduled for 2026-12-05 09:00"
    assert by_id[26].activity.status == "none"
    assert by_id[26].situation == "no RecommendForAwardJob in Sidekiq"
    assert by_id[26].award_type == "EYTS"
    assert by_id[21].award_type == "QTS"


def test_date_of_birth_never_in_repr(engine: Any, redis_client: Any) -> None:
    add_provider(engine)
    add_trainee(
        engine,
        1,
        state=1,
        submitted_for_trn_at=at("2026-12-01T10:00"),
        date_of_birth=date(1987, 3, 14),
    )
    with engine.connect() as conn:
        [row] = monitors.pending_trns(conn, redis_client, today=TODAY)
    assert row.trainee.date_of_birth == date(1987, 3, 14)
    assert "1987" not in repr(row)


def test_trainee_columns_follow_the_fields_of_trainee_facts() -> None:
    # facts_from_row builds TraineeFacts positionally from these columns.
    import dataclasses

    fields = [field.name for field in dataclasses.fields(monitors.TraineeFacts)]
    columns = [column.name for column in monitors.trainee_columns()]
    assert len(columns) == monitors.TRAINEE_COLUMN_COUNT == len(fields)
    assert ["id", *columns[1:]] == fields


def test_monitor_counts(engine: Any, redis_client: Any, pending_trn_data: None) -> None:
    with engine.connect() as conn:
        counts = monitors.monitor_counts(conn, redis_client, today=TODAY)
    assert counts == monitors.MonitorCounts(
        pending_trns=8, pending_awards=0, timed_out_polling=3
    )


def test_fixes_on_offer_are_registered_fixes() -> None:
    from services.fixes import FIXES

    assert set(monitors.PENDING_TRN_FIXES) <= set(FIXES)
    assert set(monitors.PENDING_AWARD_FIXES) <= set(FIXES)


def test_pending_counts_need_no_redis(engine: Any, pending_trn_data: None) -> None:
    for trainee_id in (31, 32):
        add_trainee(
            engine,
            trainee_id,
            state=3,
            trn=f"{2000000 + trainee_id}",
            recommended_for_award_at=at("2026-11-01T09:00"),
        )
    add_trainee(engine, 33, state=3, discarded_at=at("2026-11-02T09:00"))
    with engine.connect() as conn:
        assert monitors.pending_counts(conn) == (8, 2)
