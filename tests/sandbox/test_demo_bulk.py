"""Bulk synthetic loads: trainees by COPY, dead jobs by pipelined ZADD."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import inspect, text

from dqt.errors import parse_job_error
from sandbox import bulk
from services.register import schema
from services.register.enums import TraineeState
from services.sidekiq import wire


def _trainees(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(text("SELECT * FROM trainees ORDER BY id"))
        ]


def test_bulk_trainees_are_copied(engine: Any) -> None:
    assert bulk.seed_bulk_trainees(engine, 2_000, start_id=1_000) == 2_000

    with engine.connect() as connection:
        summary = connection.execute(
            text(
                "SELECT count(*), min(id), max(id), count(DISTINCT lower(slug)),"
                " count(DISTINCT state), min(length(slug)), max(length(slug))"
                " FROM trainees"
            )
        ).one()
        providers = connection.execute(text("SELECT name FROM providers")).scalars()
        provider_names = list(providers)
        no_trn_with_trn_state = connection.execute(
            text("SELECT count(*) FROM trainees WHERE state IN (2, 6) AND trn IS NULL")
        ).scalar()
        # The id sequence moved past the copied rows.
        next_id = connection.execute(
            text(
                "INSERT INTO trainees (slug, provider_id, created_at, updated_at)"
                " SELECT 'after-bulk', min(id), now(), now() FROM providers"
                " RETURNING id"
            )
        ).scalar()
    assert tuple(summary) == (2_000, 1_000, 2_999, 2_000, len(TraineeState), 24, 24)
    assert provider_names == [bulk.BULK_PROVIDER_NAME]
    assert no_trn_with_trn_state == 0
    assert next_id == 3_000


def test_bulk_trainees_are_deterministic(engine: Any) -> None:
    bulk.seed_bulk_trainees(engine, 1_500, start_id=500, seed=7)
    first = _trainees(engine)

    schema.drop_schema(engine)
    schema.create_schema(engine)
    bulk.seed_bulk_trainees(engine, 1_500, start_id=500, seed=7)
    assert _trainees(engine) == first

    schema.drop_schema(engine)
    schema.create_schema(engine)
    bulk.seed_bulk_trainees(engine, 1_500, start_id=500, seed=8)
    with engine.connect() as connection:
        slugs = connection.execute(text("SELECT slug FROM trainees ORDER BY id"))
        other_seed = list(slugs.scalars())
    first_slugs = [bulk.bulk_slug(trainee_id, 7) for trainee_id in range(500, 2_000)]
    assert other_seed != first_slugs
    assert other_seed == [
        bulk.bulk_slug(trainee_id, 8) for trainee_id in range(500, 2_000)
    ]


def test_large_loads_rebuild_the_same_indexes(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sorted(
        (index["name"], index["unique"])
        for index in inspect(engine).get_indexes("trainees")
    )
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 100)
    bulk.seed_bulk_trainees(engine, 1_000, start_id=1)
    after = sorted(
        (index["name"], index["unique"])
        for index in inspect(engine).get_indexes("trainees")
    )
    assert after == before
    assert len(after) > 20


def test_bulk_trainees_use_existing_providers(engine: Any) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO providers (id, name, ukprn, created_at, updated_at)"
                " VALUES (7, 'First', '19900007', now(), now()),"
                " (9, 'Second', '19900009', now(), now())"
            )
        )
    bulk.seed_bulk_trainees(engine, 100, start_id=1)
    with engine.connect() as connection:
        used = set(
            connection.execute(
                text("SELECT DISTINCT provider_id FROM trainees")
            ).scalars()
        )
    assert used == {7, 9}


def test_bulk_slugs_are_unique_ignoring_case() -> None:
    slugs = [bulk.bulk_slug(trainee_id, 20230531) for trainee_id in range(50_000)]
    assert len({slug.lower() for slug in slugs}) == len(slugs)
    assert all(len(slug) == 24 for slug in slugs[:1000])


def test_bulk_failed_jobs(redis_client: Any) -> None:
    count = bulk.seed_bulk_failed_jobs(
        redis_client, 2_500, first_trainee_id=100, today=date(2025, 5, 1)
    )
    assert count == 2_500
    assert redis_client.zcard("dead") == 2_500

    members = redis_client.zrange("dead", 0, -1)
    payloads = [json.loads(member) for member in members]
    trainee_ids = set()
    for payload in payloads:
        parsed = wire.parse_globalid(payload["args"][0]["arguments"][0])
        assert parsed is not None
        trainee_ids.add(int(parsed[1]))
        assert payload["wrapped"] == "Dqt::UpdateTraineeJob"
        assert payload["retry"] == 0
        assert isinstance(payload["failed_at"], float)
    assert trainee_ids == {100 + index * 7 for index in range(2_500)}
    assert len({payload["jid"] for payload in payloads}) == 2_500

    kinds = {
        parse_job_error(p["error_class"], p["error_message"]).status for p in payloads
    }
    assert kinds == {400, 404, 500}

    # The same call gives the same members.
    redis_client.flushdb()
    bulk.seed_bulk_failed_jobs(
        redis_client, 2_500, first_trainee_id=100, today=date(2025, 5, 1)
    )
    assert redis_client.zrange("dead", 0, -1) == members


def test_bulk_failed_jobs_for_sidekiq_8(redis_client: Any) -> None:
    bulk.seed_bulk_failed_jobs(redis_client, 10, sidekiq_major="8")
    payload = json.loads(redis_client.zrange("dead", 0, 0)[0])
    assert payload["class"] == wire.SIDEKIQ8_WRAPPER
    assert isinstance(payload["failed_at"], int)
    assert bulk.seed_bulk_failed_jobs(redis_client, 0) == 0


def test_bulk_awards_come_after_the_recommendation(engine: Any) -> None:
    bulk.seed_bulk_trainees(engine, 500, start_id=1_000)

    with engine.connect() as connection:
        awarded, early = connection.execute(
            text(
                "SELECT count(awarded_at),"
                " count(*) FILTER (WHERE awarded_at < recommended_for_award_at)"
                " FROM trainees"
            )
        ).one()
    assert awarded > 0
    assert early == 0
