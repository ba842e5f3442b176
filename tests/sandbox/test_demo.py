"""The demo data on real PostgreSQL and Redis: counts, determinism, captured bytes,
and every playbook case consistent between Register, DQT and Sidekiq."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from dqt.simulator.state import SimulatorState, load_state, save_state
from sandbox import demo
from sandbox.demo import PLAYBOOK_TRAINEES, demo_dqt_state, seed_demo
from sandbox.demo_sidekiq import captured_members
from services.register import schema
from services.register.audits import previous_state_before_withdrawal
from services.register.enums import TraineeState, TrainingRoute
from services.sidekiq import wire

FIXED_DAY = date(2026, 12, 4)
TABLES = ("providers", "schools", "users", "trainees", "degrees", "dqt_trn_requests")


def _dump_database(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    dumped = {}
    with engine.connect() as connection:
        for table in (*TABLES, "audits"):
            rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            dumped[table] = [tuple(row) for row in rows]
    return dumped


def _dump_redis(client: Any) -> dict[str, Any]:
    return {
        "dead": client.zrange("dead", 0, -1, withscores=True),
        "retry": client.zrange("retry", 0, -1, withscores=True),
        "schedule": client.zrange("schedule", 0, -1, withscores=True),
        "queue:dqt": client.lrange("queue:dqt", 0, -1),
        "queues": sorted(client.smembers("queues")),
    }


def _jobs(client: Any) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for key in ("dead", "retry", "schedule"):
        for member in client.zrange(key, 0, -1):
            found.append((key, json.loads(member)))
    for member in client.lrange("queue:dqt", 0, -1):
        found.append(("queue:dqt", json.loads(member)))
    return found


def _generated(client: Any) -> list[dict[str, Any]]:
    """Payloads the demo generated (not the captured ones)."""
    captured = {json.loads(member.payload)["jid"] for member in captured_members()}
    return [p for _key, p in _jobs(client) if p["jid"] not in captured]


def _target(payload: dict[str, Any]) -> tuple[str, int]:
    parsed = wire.parse_globalid(payload["args"][0]["arguments"][0])
    assert parsed is not None
    return parsed[0], int(parsed[1])


def test_seed_counts_match_the_database_and_redis(engine: Any, redis_client: Any):
    summary = seed_demo(engine, redis_client, today=FIXED_DAY)

    with engine.connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in (*TABLES, "audits")
        }
    assert counts == {
        "providers": summary.providers,
        "schools": summary.schools,
        "users": summary.users,
        "trainees": summary.trainees,
        "degrees": summary.degrees,
        "dqt_trn_requests": summary.dqt_trn_requests,
        "audits": summary.audits,
    }
    assert 200 <= summary.trainees <= 230
    assert summary.providers == 5
    # 20 captured dead + 9 generated; 7 captured retries + 1; 13 captured scheduled.
    assert redis_client.zcard("dead") == summary.dead == 29
    assert redis_client.zcard("retry") == summary.retry == 8
    assert redis_client.zcard("schedule") == summary.schedule == 13
    assert redis_client.llen("queue:dqt") == summary.queued == 2
    assert redis_client.smembers("queues") == {b"dqt"}


def test_all_states_and_routes_are_present(engine: Any, redis_client: Any) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY)
    with engine.connect() as connection:
        states = set(connection.execute(text("SELECT state FROM trainees")).scalars())
        routes = set(
            connection.execute(text("SELECT training_route FROM trainees")).scalars()
        )
        providers_without_ukprn = connection.execute(
            text("SELECT count(*) FROM providers WHERE ukprn IS NULL")
        ).scalar()
    assert states == {int(state) for state in TraineeState}
    assert routes == {int(route) for route in TrainingRoute}
    assert providers_without_ukprn == 0


def test_seeding_is_deterministic(engine: Any, redis_client: Any) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY)
    first_rows, first_redis = _dump_database(engine), _dump_redis(redis_client)

    schema.drop_schema(engine)
    schema.create_schema(engine)
    redis_client.flushdb()
    seed_demo(engine, redis_client, today=FIXED_DAY)

    assert _dump_database(engine) == first_rows
    assert _dump_redis(redis_client) == first_redis
    assert demo_dqt_state(FIXED_DAY) == demo_dqt_state(FIXED_DAY)


def test_captured_members_are_loaded_byte_for_byte(
    engine: Any, redis_client: Any
) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY)
    members = captured_members()
    assert len(members) == 40

    for member in members:
        score = redis_client.zscore(member.key, member.payload)
        assert score == float(member.score_raw), member.payload[:80]

    # One exact example: the non-ASCII dash of the HTML error page survives.
    html = [m for m in members if "Service unavailable \u2013".encode() in m.payload]
    assert html
    assert redis_client.zscore(html[0].key, html[0].payload) is not None


def test_every_job_resolves_as_the_demo_says(engine: Any, redis_client: Any) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY)
    with engine.connect() as connection:
        trainees = {
            row.id: row
            for row in connection.execute(text("SELECT id, discarded_at FROM trainees"))
        }
        requests = dict(
            connection.execute(
                text("SELECT id, trainee_id FROM dqt_trn_requests")
            ).all()
        )

    unresolved = []
    for _key, payload in _jobs(redis_client):
        model, record_id = _target(payload)
        trainee_id = (
            requests.get(record_id) if model == "Dqt::TrnRequest" else record_id
        )
        if trainee_id is None or trainee_id not in trainees:
            unresolved.append((model, record_id))

    # Exactly the two orphans the demo plants: a missing trainee, a gone request.
    assert sorted(unresolved) == [("Dqt::TrnRequest", 50050), ("Trainee", 49)]
    # TRN request 500NN belongs to trainee NN for the captured jobs.
    assert all(requests[50000 + n] == n for n in range(1, 41))


def test_withdrawn_trainees_previous_state_comes_from_audits(
    engine: Any, redis_client: Any
) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY)
    case = PLAYBOOK_TRAINEES["withdrawn_in_error"]
    with engine.connect() as connection:
        previous = previous_state_before_withdrawal(connection, case.trainee_id)
        audit = connection.execute(
            text(
                "SELECT audited_changes, associated_type, associated_id, action"
                " FROM audits WHERE auditable_type = 'Trainee' AND auditable_id = :id"
                " AND audited_changes -> 'state' = '[2, 4]'::jsonb"
            ),
            {"id": case.trainee_id},
        ).one()
        provider_id = connection.execute(
            text("SELECT provider_id FROM trainees WHERE id = :id"),
            {"id": case.trainee_id},
        ).scalar()
    assert previous.found and previous.state == TraineeState.trn_received
    assert audit.action == "update"
    assert (audit.associated_type, audit.associated_id) == ("Provider", provider_id)
    assert audit.audited_changes["withdraw_reason"] == [None, 7]


def test_audit_versions_count_up_per_record(engine: Any, redis_client: Any) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT auditable_type, auditable_id, version, associated_type"
                " FROM audits ORDER BY created_at, id"
            )
        ).all()
    versions: dict[tuple[str, int], list[int]] = {}
    for row in rows:
        versions.setdefault((row.auditable_type, row.auditable_id), []).append(
            row.version
        )
    assert all(found == list(range(1, len(found) + 1)) for found in versions.values())
    assert {row.associated_type for row in rows if row.auditable_type == "Degree"} == {
        "Trainee"
    }
    assert {row.associated_type for row in rows if row.auditable_type == "Trainee"} == {
        "Provider"
    }
    assert len([key for key in versions if key[0] == "Degree"]) > 100


def test_playbook_trainees_exist_with_their_slugs(
    engine: Any, redis_client: Any
) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY)
    with engine.connect() as connection:
        slugs = dict(connection.execute(text("SELECT id, slug FROM trainees")).all())
    for case in PLAYBOOK_TRAINEES.values():
        if case.case == "trainee_missing":
            assert case.trainee_id not in slugs
            continue
        assert slugs[case.trainee_id] == case.slug, case.case
        assert case.name and case.note


def test_sidekiq_8_members_use_milliseconds_and_the_new_wrapper(
    engine: Any, redis_client: Any
) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY, sidekiq_major="8")
    generated = _generated(redis_client)
    assert len(generated) == 12
    for payload in generated:
        assert payload["class"] == wire.SIDEKIQ8_WRAPPER
        assert isinstance(payload["created_at"], int)
    # The captured members are still exactly the captured bytes.
    for member in captured_members():
        assert redis_client.zscore(member.key, member.payload) is not None


def test_dqt_state_is_a_valid_simulator_state(tmp_path: Any) -> None:
    state_json = demo_dqt_state(FIXED_DAY)
    state = SimulatorState.model_validate(state_json)
    path = tmp_path / "dqt-state.json"
    save_state(state, path)
    assert load_state(path).model_dump(mode="json") == state_json

    trns = [teacher.trn for teacher in state.teachers if teacher.trn]
    assert len(trns) == len(set(trns))
    assert len({t.uid for t in state.teachers}) == len(state.teachers)
    assert state.api_keys == []


def test_institutions_are_synthetic_and_shaped_like_reference_data() -> None:
    entries = demo.demo_institutions()
    assert len(entries) >= 8
    for entry in entries:
        assert {"id", "name", "ukprn", "hesa_itt_code", "closed"} <= set(entry)
    generic = [entry for entry in entries if entry.get("generic")]
    assert [entry["ukprn"] for entry in generic] == [None]


def test_the_demo_day_moves_the_timestamps(engine: Any, redis_client: Any) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY + timedelta(days=10))
    with engine.connect() as connection:
        submitted = connection.execute(
            text("SELECT submitted_for_trn_at FROM trainees WHERE id = 5")
        ).scalar()
    assert submitted.date() == FIXED_DAY + timedelta(days=10) - timedelta(days=9)


@pytest.mark.parametrize("major", ["6", "7"])
def test_generated_members_use_float_seconds_before_sidekiq_8(
    engine: Any, redis_client: Any, major: str
) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY, sidekiq_major=major)  # type: ignore[arg-type]
    generated = _generated(redis_client)
    failed = [p for p in generated if "failed_at" in p]
    assert len(failed) == 10
    assert all(isinstance(p["failed_at"], float) for p in failed)
    assert all(isinstance(p["created_at"], float) for p in generated)
    assert all(p["class"] == wire.RAILS_WRAPPER for p in generated)


def test_demo_moments_keep_their_order(engine: Any, redis_client: Any) -> None:
    seed_demo(engine, redis_client, today=FIXED_DAY)

    with engine.connect() as connection:
        award_before_recommendation = connection.execute(
            text(
                "SELECT count(*) FROM trainees"
                " WHERE awarded_at < recommended_for_award_at"
            )
        ).scalar()
        awarded = connection.execute(
            text("SELECT count(*) FROM trainees WHERE awarded_at IS NOT NULL")
        ).scalar()
    assert awarded > 0
    assert award_before_recommendation == 0

    retried = [p for _key, p in _jobs(redis_client) if "retried_at" in p]
    assert retried
    for payload in retried:
        assert payload["retried_at"] >= payload["failed_at"], payload["jid"]
