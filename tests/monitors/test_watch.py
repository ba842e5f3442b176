"""`watch_conditions` and the real `triage watch` command on real servers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from monitor_rows import (
    HTTP_500,
    NOT_FOUND,
    add_provider,
    add_trainee,
    add_trn_request,
    job_payload,
    put_job,
    trainee_gid,
)

from services.watch import Thresholds, watch_conditions

TODAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
UPDATE = "Dqt::UpdateTraineeJob"


def dead(redis_client: Any, jid: str, error: str, died: datetime) -> None:
    put_job(
        redis_client,
        "dead",
        job_payload(
            UPDATE,
            [trainee_gid(1)],
            jid=jid,
            error_message=error,
            enqueued=died - timedelta(seconds=5),
            retry=0,
        ),
        died.timestamp(),
    )


def conditions(engine: Any, redis_client: Any, **limits: Any) -> list[Any]:
    with engine.connect() as conn:
        return watch_conditions(
            conn, redis_client, today=TODAY, thresholds=Thresholds(**limits), now=NOW
        )


def test_nothing_to_report(engine: Any, redis_client: Any) -> None:
    assert conditions(engine, redis_client) == []


def test_dead_jobs_one_condition_per_case_largest_first(
    engine: Any, redis_client: Any
) -> None:
    died = NOW - timedelta(days=1)
    dead(redis_client, "a" * 24, NOT_FOUND, died)
    dead(redis_client, "b" * 24, NOT_FOUND, died + timedelta(seconds=1))
    dead(redis_client, "c" * 24, HTTP_500, died + timedelta(seconds=2))

    found = conditions(engine, redis_client)
    assert [(c.key, c.count) for c in found] == [
        ("dead_jobs[teacher_not_found_10001]", 2),
        ("dead_jobs[dqt_500]", 1),
    ]
    first = found[0]
    assert first.kind == "dead_jobs"
    assert first.examples == ("a" * 24, "b" * 24)
    assert first.line().startswith("dead_jobs[teacher_not_found_10001]: 2 dead jobs: ")
    assert "\n" not in first.line()


def test_pending_and_timed_out_past_thresholds(engine: Any, redis_client: Any) -> None:
    add_provider(engine)
    submitted = datetime(2026, 11, 24, 10, 0)
    add_trainee(engine, 1, state=1, submitted_for_trn_at=submitted)
    add_trn_request(engine, 1001, 1, submitted)
    add_trainee(
        engine,
        2,
        state=3,
        trn="2000002",
        recommended_for_award_at=datetime(2026, 11, 10, 9, 0),
    )

    found = {c.key: c for c in conditions(engine, redis_client)}
    assert set(found) == {"timed_out_polling", "pending_trn", "pending_award"}
    assert found["timed_out_polling"].count == 1
    assert found["timed_out_polling"].examples == ("slug0001abcdefghijklmnop",)
    assert found["pending_trn"].message == (
        "1 trainee waiting 7+ days for a TRN (longest 10 days)"
    )
    assert found["pending_award"].message == (
        "1 trainee waiting 14+ days for an award (longest 24 days)"
    )

    # Higher thresholds: only the timed-out polling still needs a person.
    quieter = conditions(
        engine, redis_client, pending_trn_days=11, pending_award_days=25
    )
    assert [c.key for c in quieter] == ["timed_out_polling"]


def test_dead_set_near_its_cap(engine: Any, redis_client: Any) -> None:
    for number in range(9):
        dead(redis_client, f"{number:024d}", HTTP_500, NOW - timedelta(hours=number))

    found = {c.key: c for c in conditions(engine, redis_client, dead_max_jobs=10)}
    assert found["dead_set_size"].count == 9
    assert found["dead_set_size"].message.startswith("dead set is 90% full (9 of 10)")

    calm = conditions(
        engine, redis_client, dead_max_jobs=10, dead_set_warn_fraction=0.95
    )
    assert "dead_set_size" not in {c.key for c in calm}


def test_dead_entries_near_the_age_limit(engine: Any, redis_client: Any) -> None:
    dead(redis_client, "o" * 24, HTTP_500, NOW - timedelta(days=170))
    dead(redis_client, "n" * 24, HTTP_500, NOW - timedelta(days=20))

    found = {c.key: c for c in conditions(engine, redis_client)}
    age = found["dead_set_age"]
    assert age.count == 1
    assert age.examples == ("o" * 24,)
    assert "oldest 170 days, 10 days left" in age.message

    later = conditions(engine, redis_client, dead_age_warn_days=175)
    assert "dead_set_age" not in {c.key for c in later}


# --- the real command -----------------------------------------------------------


def services_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # Not called by `watch`; set so the configuration is complete.
        "DQT_API_URL": "http://127.0.0.1:9",
    }


def test_watch_command_exit_codes_and_lines(
    engine: Any, redis_client: Any, database_url: str, redis_url: str, run_triage: Any
) -> None:
    env = services_env(database_url, redis_url)
    clear = run_triage("watch", **env)
    assert clear.returncode == 0, clear.stderr
    assert clear.stdout == ""

    dead(redis_client, "a" * 24, NOT_FOUND, datetime.now(UTC) - timedelta(days=1))
    add_provider(engine)
    submitted = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=20)
    add_trainee(engine, 1, state=1, submitted_for_trn_at=submitted)
    add_trn_request(engine, 1001, 1, submitted)

    alarm = run_triage("watch", **env)
    assert alarm.returncode == 1, alarm.stderr
    lines = alarm.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "dead_jobs[teacher_not_found_10001]",
        "timed_out_polling",
        "pending_trn",
    ]

    as_json = run_triage("watch", "--json", **env)
    assert as_json.returncode == 1
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert records[0]["kind"] == "dead_jobs"
    assert records[0]["count"] == 1
    assert records[2] == {
        "kind": "pending_trn",
        "key": "pending_trn",
        "count": 1,
        "message": "1 trainee waiting 7+ days for a TRN (longest 20 days)",
        "examples": ["slug0001abcdefghijklmnop"],
    }

    # Thresholds come from the settings.
    relaxed = run_triage("watch", TRIAGE_PENDING_TRN_DAYS="30", **env)
    assert "pending_trn:" not in relaxed.stdout


def test_watch_command_service_and_config_errors(
    redis_url: str, run_triage: Any
) -> None:
    down = run_triage(
        "watch",
        DATABASE_URL="postgresql://postgres@127.0.0.1:9/none",
        REDIS_URL=redis_url,
        DQT_API_URL="http://127.0.0.1:9",
    )
    assert down.returncode == 3
    assert down.stderr.startswith("triage: PostgreSQL unreachable:")
    assert len(down.stderr.strip().splitlines()) == 1

    bad = run_triage("watch", TRIAGE_PENDING_TRN_DAYS="soon")
    assert bad.returncode == 2
    assert "TRIAGE_PENDING_TRN_DAYS" in bad.stderr
    assert "Traceback" not in bad.stderr
