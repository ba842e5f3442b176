"""The `triage` command line, run as the installed console script."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import redis
import sqlalchemy as sa

RunTriage = Callable[..., subprocess.CompletedProcess[str]]

TODAY = "2024-06-03"


def test_help_lists_the_sandbox_command(run_triage: RunTriage) -> None:
    result = run_triage("--help")

    assert result.returncode == 0
    assert "sandbox" in result.stdout
    assert result.stderr == ""


def test_status_of_a_fresh_data_folder_starts_nothing(
    run_triage: RunTriage, data_dir: Path
) -> None:
    result = run_triage("sandbox", "status")

    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["data"] == f"folder    {data_dir}"
    assert result.stdout.count("stopped") == 3
    assert "not loaded" in result.stdout
    assert not (data_dir / "pg").exists()


def test_reset_without_yes_refuses_when_it_cannot_ask(
    run_triage: RunTriage, data_dir: Path
) -> None:
    result = run_triage("sandbox", "reset")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "triage: sandbox reset wipes the sandbox's data; add --yes to confirm"
    ]
    assert not (data_dir / "pg").exists()


def test_stop_with_nothing_running(run_triage: RunTriage) -> None:
    result = run_triage("sandbox", "stop")

    assert result.returncode == 0
    assert result.stdout.strip() == "nothing was running"


def test_env_starts_the_sandbox_with_the_demo_data(run_triage: RunTriage) -> None:
    try:
        result = run_triage("sandbox", "env", timeout=180)
        assert result.returncode == 0, result.stderr
        values = dict(line.split("=", 1) for line in result.stdout.splitlines())
        assert sorted(values) == [
            "DATABASE_URL",
            "DQT_API_KEY",
            "DQT_API_URL",
            "REDIS_URL",
        ]
        assert values["DQT_API_URL"].startswith("http://127.0.0.1:")
        assert values["DQT_API_KEY"]

        # What psql and redis-cli would show with these URLs.
        from services.db import make_engine

        engine = make_engine(values["DATABASE_URL"])
        with engine.connect() as connection:
            states = connection.execute(
                sa.text("SELECT count(DISTINCT state) FROM trainees")
            ).scalar_one()
            trainee_audits = connection.execute(
                sa.text("SELECT count(*) FROM audits WHERE auditable_type = 'Trainee'")
            ).scalar_one()
        engine.dispose()
        assert states == 7
        assert trainee_audits > 0
        client = redis.Redis.from_url(values["REDIS_URL"])
        assert client.zcard("retry") > 0
        assert client.zcard("dead") > 0
        client.close()

        status = run_triage("sandbox", "status")
        assert status.returncode == 0
        assert "stopped" not in status.stdout
        assert values["DQT_API_URL"] in status.stdout
        # Each server with its process id.
        for name in ("PostgreSQL", "Redis", "DQT simulator"):
            line = next(ln for ln in status.stdout.splitlines() if ln.startswith(name))
            assert re.search(r"\(pid \d+\)$", line), line

        # A second `env` reuses everything.
        assert run_triage("sandbox", "env").stdout == result.stdout
    finally:
        stopped = run_triage("sandbox", "stop")
    assert stopped.returncode == 0
    assert stopped.stdout.strip() == "stopped: DQT simulator, Redis, PostgreSQL"


def _trainee_count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(sa.text("SELECT count(*) FROM trainees")).scalar_one()
        )


def test_seed_loads_given_services_and_refuses_to_load_twice(
    run_triage: RunTriage,
    engine: sa.Engine,
    redis_client: redis.Redis,
    database_url: str,
    redis_url: str,
) -> None:
    seed = (
        "sandbox", "seed", "--database-url", database_url, "--redis-url", redis_url,
        "--trainees", "600", "--failed-jobs", "25", "--today", TODAY,
    )  # fmt: skip

    first = run_triage(*seed, timeout=300)

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("seeded 600 trainees")
    assert _trainee_count(engine) == 600
    dead = redis_client.zcard("dead")
    assert dead >= 25
    assert redis_client.zcard("retry") > 0

    again = run_triage(*seed)

    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        "triage: sandbox seed: the database already holds trainees; add --force"
    ]
    assert _trainee_count(engine) == 600

    forced = run_triage(*seed, "--force", timeout=300)

    assert forced.returncode == 0, forced.stderr
    assert _trainee_count(engine) == 600
    assert redis_client.zcard("dead") == dead


def test_seed_refuses_a_redis_holding_sidekiq_jobs(
    run_triage: RunTriage,
    engine: sa.Engine,
    redis_client: redis.Redis,
    database_url: str,
    redis_url: str,
) -> None:
    redis_client.zadd("dead", {b'{"jid":"not-ours"}': 1.0})

    result = run_triage(
        "sandbox", "seed", "--database-url", database_url, "--redis-url", redis_url,
        "--trainees", "10",
    )  # fmt: skip

    assert result.returncode == 1
    assert "already holds Sidekiq jobs" in result.stderr
    assert redis_client.zrange("dead", 0, -1) == [b'{"jid":"not-ours"}']
    assert _trainee_count(engine) == 0


def test_seed_with_a_bad_url_is_one_line(run_triage: RunTriage) -> None:
    result = run_triage(
        "sandbox", "seed", "--database-url", "mysql://x", "--redis-url",
        "redis://127.0.0.1:6379/15", "--trainees", "10",
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "triage: configuration error: DATABASE_URL: Value error, "
        "must start with postgresql://"
    ]


def test_seed_rejects_a_negative_count(run_triage: RunTriage) -> None:
    result = run_triage(
        "sandbox", "seed", "--database-url", "postgresql://x@/y", "--redis-url",
        "redis://127.0.0.1:6379/15", "--trainees", "-5",
    )  # fmt: skip

    assert result.returncode == 2
    assert "must not be negative: -5" in result.stderr
    assert "Traceback" not in result.stderr
