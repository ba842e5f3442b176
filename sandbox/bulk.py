"""Large synthetic loads for benchmarks: trainees by PostgreSQL COPY, dead jobs by
pipelined ZADD.

Every value comes from the row's id and `seed` by arithmetic, so the same call
always writes the same rows and members, and a million trainees take seconds to
generate rather than minutes. The people are invented: names are drawn from the
demo's lists, e-mail addresses are on example.org.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from sandbox import demo_people as people
from sandbox.demo_cases import UPDATE, Failure
from sandbox.demo_errors import HTTP_ERROR, job_error
from services.register.enums import DQT_ERA_ROUTES, TraineeState
from services.sidekiq import wire

log = logging.getLogger(__name__)

# When no day is given, bulk data is dated as if seeded on this day.
DEFAULT_DAY = date(2025, 5, 1)
COPY_CHUNK_ROWS = 5_000
# From this many rows on, dropping the secondary indexes for the COPY and
# building them again afterwards is about twice as fast as keeping them.
REBUILD_INDEXES_FROM = 50_000
ZADD_BATCH = 1_000

BULK_PROVIDER_NAME = "Bulk Synthetic Teacher Training"

_COLUMNS = (
    "id",
    "slug",
    "trainee_id",
    "first_names",
    "last_name",
    "date_of_birth",
    "email",
    "sex",
    "provider_id",
    "state",
    "training_route",
    "trn",
    "submitted_for_trn_at",
    "recommended_for_award_at",
    "awarded_at",
    "outcome_date",
    "withdraw_date",
    "discarded_at",
    "itt_start_date",
    "itt_end_date",
    "course_subject_one",
    "course_min_age",
    "course_max_age",
    "submission_ready",
    "record_source",
    "created_at",
    "updated_at",
)

# Share of trainees per state, out of 20: mostly in training or done.
_STATE_WHEEL = (
    [TraineeState.trn_received] * 7
    + [TraineeState.awarded] * 5
    + [TraineeState.withdrawn] * 2
    + [TraineeState.deferred] * 2
    + [TraineeState.recommended_for_award] * 2
    + [TraineeState.submitted_for_trn]
    + [TraineeState.draft]
)
_ROUTES = sorted(DQT_ERA_ROUTES)

# Slugs are built from three-character base58 pieces looked up by index.
_BASE58_CUBE = 58**3


@functools.cache
def _base58_triples() -> list[str]:
    alphabet = people.BASE58
    return [a + b + c for a in alphabet for b in alphabet for c in alphabet]


def bulk_slug(trainee_id: int, seed: int) -> str:
    """A unique 24-character base58 slug.

    Characters 10 to 15 spell the id in base 58 (unique for ids below 58**6,
    about 3.8e10); the other eighteen are noise from the id and seed so that
    slugs do not look sequential.
    """
    triples = _base58_triples()
    cube = _BASE58_CUBE
    mask = 0xFFFFFFFFFFFFFFFF
    noise = (trainee_id * 0x9E3779B97F4A7C15 + seed * 0xC2B2AE3D27D4EB4F) & mask
    more = ((noise ^ (noise >> 29)) * 0xBF58476D1CE4E5B9) & mask
    return "".join(
        (
            triples[noise % cube],
            triples[(noise >> 21) % cube],
            triples[(noise >> 42) % cube],
            triples[trainee_id % cube],
            triples[(trainee_id // cube) % cube],
            triples[more % cube],
            triples[(more >> 21) % cube],
            triples[(more >> 42) % cube],
        )
    )


class _Calendar:
    """Date and time texts looked up by offset, so no row builds a datetime."""

    def __init__(self, day: date) -> None:
        # Offsets in days before `day` (negative: after it), from -400 to 1300.
        self.low = -400
        self.days = [
            (day - timedelta(days=offset)).isoformat()
            for offset in range(self.low, 1300)
        ]
        self.itt_years = [
            int(text[:4]) if int(text[5:7]) >= 9 else int(text[:4]) - 1
            for text in self.days
        ]
        self.clock = [
            f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
            for second in range(86_400)
        ]

    def day(self, offset: int) -> str:
        return self.days[offset - self.low]

    def itt_year(self, offset: int) -> int:
        return self.itt_years[offset - self.low]


def _lines(
    start_id: int, count: int, seed: int, provider_ids: list[int], day: date
) -> Iterator[str]:
    """COPY text-format lines; `\\N` is NULL."""
    calendar = _Calendar(day)
    null = "\\N"
    firsts, lasts, subjects = people.FIRST_NAMES, people.LAST_NAMES, people.SUBJECTS
    lowered = {name: name.lower() for name in (*firsts, *lasts)}
    draft, submitted_state = TraineeState.draft, TraineeState.submitted_for_trn
    recommended, awarded_state = (
        TraineeState.recommended_for_award,
        TraineeState.awarded,
    )
    withdrawn_state = TraineeState.withdrawn
    wheel = [(state, str(int(state))) for state in _STATE_WHEEL]
    routes = [str(int(route)) for route in _ROUTES]
    providers = [str(provider) for provider in provider_ids]

    for trainee_id in range(start_id, start_id + count):
        mix = trainee_id * 2654435761 + seed * 40503
        state, state_text = wheel[mix % len(wheel)]
        first = firsts[(mix // 13) % len(firsts)]
        last = lasts[(mix // 17) % len(lasts)]
        born = (
            f"{1975 + (mix // 19) % 28}-{1 + (mix // 23) % 12:02d}"
            f"-{1 + (mix // 29) % 28:02d}"
        )
        # Created 30 to 929 days before the day; submitted three days later.
        created = 30 + (mix // 31) % 900
        clock = calendar.clock[mix % 86_400]
        submitted = created - 3
        # Later events stay at least a day before the seeding day.
        updated = max(submitted - 260, 1)
        decided = max(submitted - 250, 3)
        itt_year = calendar.itt_year(created)

        has_trn = state is not draft and state is not submitted_state
        done = state is recommended or state is awarded_state
        outcome = calendar.day(decided) if done else null

        yield (
            "\t".join(
                (
                    str(trainee_id),
                    bulk_slug(trainee_id, seed),
                    f"B{trainee_id:08d}",
                    first,
                    last,
                    born,
                    f"{lowered[first]}.{lowered[last]}.{trainee_id}@example.org",
                    str(mix % 5),
                    providers[trainee_id % len(providers)],
                    state_text,
                    routes[(mix // 7) % len(routes)],
                    f"{5_000_000 + trainee_id % 4_000_000:07d}" if has_trn else null,
                    f"{calendar.day(submitted)} {clock}"
                    if state is not draft
                    else null,
                    f"{calendar.day(decided - 1)} {clock}" if done else null,
                    # Awarded the day after the recommendation, never before it.
                    f"{calendar.day(decided - 2)} 00:00:00"
                    if state is awarded_state
                    else null,
                    outcome,
                    f"{calendar.day(submitted - 120)} {clock}"
                    if state is withdrawn_state
                    else null,
                    f"{calendar.day(updated)} {clock}" if mix % 97 == 0 else null,
                    f"{itt_year}-09-01",
                    f"{itt_year + 1}-07-31",
                    subjects[(mix // 37) % len(subjects)],
                    "11",
                    "16",
                    "f" if state is draft else "t",
                    "manual",
                    f"{calendar.day(created)} {clock}",
                    f"{calendar.day(updated)} {clock}",
                )
            )
            + "\n"
        )


def _provider_ids(engine: Engine, day: date) -> list[int]:
    """Existing providers, or one synthetic provider created for the load."""
    with engine.begin() as connection:
        ids = list(
            connection.execute(text("SELECT id FROM providers ORDER BY id")).scalars()
        )
        if ids:
            return ids
        created = connection.execute(
            text(
                "INSERT INTO providers (name, code, ukprn, created_at, updated_at)"
                " VALUES (:name, 'BLK', '19999999', :now, :now) RETURNING id"
            ),
            {
                "name": BULK_PROVIDER_NAME,
                "now": datetime.combine(day, datetime.min.time()),
            },
        ).scalar_one()
        return [created]


def _drop_indexes(cursor: Any) -> list[str]:
    """Drop the trainees table's secondary indexes; their definitions, to rebuild.

    The definitions are read back from the server, so whatever the schema holds
    (citext or the lower(slug) stand-in) is rebuilt exactly.
    """
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i"
        " WHERE i.schemaname = current_schema() AND i.tablename = 'trainees'"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
        "   WHERE c.conname = i.indexname AND c.conrelid = 'trainees'::regclass)"
        " ORDER BY i.indexname"
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def seed_bulk_trainees(
    engine: Engine,
    count: int,
    *,
    start_id: int,
    seed: int = 20230531,
    today: date | None = None,
) -> int:
    """COPY `count` synthetic trainees with ids from `start_id`; returns the count."""
    if count <= 0:
        return 0
    day = today or DEFAULT_DAY
    providers = _provider_ids(engine, day)
    started = time.monotonic()

    raw = engine.raw_connection()
    try:
        # psycopg 3's own connection: SQLAlchemy's DBAPI wrapper has no COPY.
        connection: Any = raw.driver_connection
        cursor = connection.cursor()
        # One transaction: a failure leaves the table and its indexes as they were.
        rebuilt = _drop_indexes(cursor) if count >= REBUILD_INDEXES_FROM else []
        columns = ", ".join(_COLUMNS)
        with cursor.copy(f"COPY trainees ({columns}) FROM STDIN") as copy:
            chunk: list[str] = []
            for line in _lines(start_id, count, seed, providers, day):
                chunk.append(line)
                if len(chunk) >= COPY_CHUNK_ROWS:
                    copy.write("".join(chunk))
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk))
        for definition in rebuilt:
            cursor.execute(definition)
        # Later inserts without an id must not collide with the copied ids.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('trainees', 'id'),"
            " (SELECT max(id) FROM trainees))"
        )
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()

    log.info(
        "copied %d bulk trainees from id %d in %.1fs",
        count,
        start_id,
        time.monotonic() - started,
    )
    return count


_BULK_FAILURES = (
    Failure.http_500_empty,
    Failure.http_404_teacher_not_found,
    Failure.http_500_html,
    Failure.http_400_org_not_found,
    Failure.http_400_no_incomplete_itt,
)


def bulk_failed_job(
    index: int,
    trainee_id: int,
    *,
    now: datetime,
    seed: int,
    major: wire.SidekiqMajor,
) -> tuple[float, bytes]:
    """(score, member) for one dead UpdateTraineeJob."""
    digest = hashlib.sha256(f"bulk:{seed}:{index}".encode()).hexdigest()
    failed_at = now - timedelta(seconds=60 * index + int(digest[:4], 16) % 60)
    failure = _BULK_FAILURES[index % len(_BULK_FAILURES)]
    payload = wire.new_activejob_job(
        UPDATE,
        [wire.globalid("Trainee", trainee_id)],
        now=failed_at - timedelta(seconds=1),
        major=major,
        retry=0,
        jid=digest[:24],
        job_id=people.demo_uuid("bulk-job", seed, index),
    )
    error_class, message = job_error(
        failure, trainee_id=trainee_id, record_id=trainee_id, at=failed_at
    )
    payload["error_message"] = message
    payload["error_class"] = error_class or HTTP_ERROR
    payload["failed_at"] = wire.encode_time(failed_at, major)
    payload["retry_count"] = 0
    return failed_at.timestamp(), wire.dumps(payload).encode("utf-8")


def seed_bulk_failed_jobs(
    redis_client: Any,
    count: int,
    *,
    first_trainee_id: int = 1000,
    trainee_stride: int = 7,
    seed: int = 20230531,
    today: date | None = None,
    sidekiq_major: wire.SidekiqMajor = "6",
) -> int:
    """ZADD `count` dead UpdateTraineeJobs in pipelined batches; returns the count.

    Job i names trainee `first_trainee_id + i * trainee_stride`, so with a million
    bulk trainees every job resolves to one.
    """
    if count <= 0:
        return 0
    day = today or DEFAULT_DAY
    now = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    started = time.monotonic()

    pipeline = redis_client.pipeline(transaction=False)
    for batch_start in range(0, count, ZADD_BATCH):
        mapping: dict[bytes, float] = {}
        for index in range(batch_start, min(count, batch_start + ZADD_BATCH)):
            trainee_id = first_trainee_id + index * trainee_stride
            score, member = bulk_failed_job(
                index, trainee_id, now=now, seed=seed, major=sidekiq_major
            )
            mapping[member] = score
        pipeline.zadd("dead", mapping)
        # A few batches per round trip keep memory and latency low.
        if len(pipeline) >= 10:
            pipeline.execute()
    pipeline.execute()

    log.info("added %d bulk dead jobs in %.1fs", count, time.monotonic() - started)
    return count
