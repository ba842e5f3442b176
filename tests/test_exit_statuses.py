"""Exit statuses shared by every command, stdout exports and closed pipes."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunTriage = Callable[..., subprocess.CompletedProcess[str]]

# Nothing listens on the discard port of the loopback address.
CLOSED_DATABASE = "postgresql://postgres@127.0.0.1:9/none"
CLOSED_REDIS = "redis://127.0.0.1:9/0"
CLOSED_DQT = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("args", "down"),
    [
        (("jobs", "list"), "Redis"),
        (("watch",), "PostgreSQL"),
        (("export", "pending-trns", "--output", "-"), "PostgreSQL"),
        (("fix", "record_trn", "some-slug", "--preview"), "PostgreSQL"),
    ],
    ids=["jobs", "watch", "export", "fix"],
)
def test_an_unreachable_service_is_exit_3_in_every_command(
    run_triage: RunTriage,
    database_url: str,
    redis_url: str,
    args: tuple[str, ...],
    down: str,
) -> None:
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    env["DQT_API_URL"] = CLOSED_DQT
    if down == "Redis":
        env["REDIS_URL"] = CLOSED_REDIS
    else:
        env["DATABASE_URL"] = CLOSED_DATABASE

    result = run_triage(*args, **env)

    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{down} unreachable: " in lines[0]
    assert "Traceback" not in result.stderr


def test_seed_into_an_unreachable_redis_is_exit_3(
    run_triage: RunTriage, engine: object, database_url: str
) -> None:
    # `engine`: an empty Register schema, so the seed goes on to Redis.
    result = run_triage(
        "sandbox", "seed", "--database-url", database_url,
        "--redis-url", CLOSED_REDIS, "--trainees", "10",
    )  # fmt: skip

    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("triage: sandbox seed: Redis unreachable: ")


def test_a_configuration_error_stays_exit_2(run_triage: RunTriage) -> None:
    result = run_triage("jobs", "list", DATABASE_URL=CLOSED_DATABASE)

    assert result.returncode == 2
    assert result.stderr.startswith("triage: configuration error:")


def test_export_to_stdout(
    run_triage: RunTriage, engine: object, database_url: str, redis_url: str
) -> None:
    result = run_triage(
        "export", "pending-awards", "--output", "-",
        DATABASE_URL=database_url, REDIS_URL=redis_url, DQT_API_URL=CLOSED_DQT,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:2] == ["register_id", "slug"]
    assert not list(Path.cwd().glob("-"))


def test_a_closed_pipe_ends_the_command_without_a_traceback(
    tmp_path: Path, data_dir: Path
) -> None:
    # The reading end is closed before the command writes anything, so every
    # write meets a broken pipe, whatever the timing.
    read_end, write_end = os.pipe()
    os.close(read_end)
    script = Path(sys.executable).with_name("triage")
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_URL", "REDIS_URL", "DQT_API_", "TRIAGE_"))
    }
    environment["TRIAGE_DATA_DIR"] = str(data_dir)
    try:
        result = subprocess.run(
            [str(script), "fix", "--list"],
            cwd=tmp_path,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)

    assert result.stderr == ""
    assert result.returncode == 141
