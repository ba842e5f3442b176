"""The sandbox's embedded servers and their life cycle, on real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import sqlalchemy as sa

from sandbox import lifecycle, servers


def test_session_servers_answer(database_url: str, redis_client: redis.Redis) -> None:
    from services.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("select 41 + 1")).scalar() == 42
    engine.dispose()
    redis_client.set("triage:probe", b"\x00\xffbytes")
    assert redis_client.get("triage:probe") == b"\x00\xffbytes"


def test_redis_falls_back_to_loopback_port_for_long_paths(tmp_path: Path) -> None:
    folder = tmp_path / ("x" * 90)
    try:
        url = servers.start_redis(folder)
        assert url.startswith("redis://127.0.0.1:")
        client = redis.Redis.from_url(url)
        assert client.ping() is True
        client.close()
    finally:
        servers.stop_redis(folder)
    assert servers.redis_url(folder) is None


# --- the whole sandbox: ensure_running, stop, reset ---------------------------------


def _count(database_url: str, sql: str) -> int:
    from services.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(sql)).scalar_one())
    finally:
        engine.dispose()


def _simulator_answers(urls: lifecycle.SandboxUrls) -> int:
    """Status of an authenticated request for a TRN nobody has."""
    response = httpx.get(
        f"{urls.dqt_api_url}/v2/teachers/0000000",
        params={"birthDate": "1990-01-01"},
        headers={"Authorization": f"Bearer {urls.dqt_api_key}"},
        timeout=10,
    )
    return response.status_code


@pytest.fixture
def sandbox_dir(data_dir: Path) -> Iterator[Path]:
    # Not created yet: ensure_running makes the folder itself.
    folder = data_dir / "sandbox"
    yield folder
    lifecycle.stop(folder)


def test_status_of_a_sandbox_never_started(tmp_path: Path) -> None:
    state = lifecycle.status(tmp_path / "never")

    assert state.running is False
    assert state.database_url is None
    assert state.redis_url is None
    assert state.dqt_api_url is None
    assert state.seeded is False
    assert lifecycle.stop(tmp_path / "never") == []


def _execute(database_url: str, *statements: str) -> None:
    from services.db import make_engine

    engine = make_engine(database_url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


def test_restart_keeps_the_data_and_reset_brings_back_the_demo(
    sandbox_dir: Path,
) -> None:
    # First start: servers, schema, demo data, simulator.
    urls = lifecycle.ensure_running(sandbox_dir)

    trainees = _count(urls.database_url, "SELECT count(*) FROM trainees")
    assert trainees > 0
    client = redis.Redis.from_url(urls.redis_url)
    dead = client.zcard("dead")
    assert dead > 0
    assert _simulator_answers(urls) == 404
    key_file = sandbox_dir / lifecycle.API_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text().strip() == urls.dqt_api_key
    first = lifecycle.status(sandbox_dir)
    assert first.running and first.seeded
    # A start while everything runs reuses all of it.
    assert lifecycle.ensure_running(sandbox_dir) == urls

    # Changes of ours, then a full stop and start.
    _execute(urls.database_url, "UPDATE trainees SET first_names = 'Kept' WHERE id = 1")
    client.set("triage:kept", b"yes")
    client.close()

    assert lifecycle.stop(sandbox_dir) == ["DQT simulator", "Redis", "PostgreSQL"]
    assert lifecycle.status(sandbox_dir).running is False
    assert lifecycle.stop(sandbox_dir) == []

    again = lifecycle.ensure_running(sandbox_dir)

    assert again.dqt_api_key == urls.dqt_api_key
    assert _count(again.database_url, "SELECT count(*) FROM trainees") == trainees
    kept = "SELECT count(*) FROM trainees WHERE first_names = 'Kept'"
    assert _count(again.database_url, kept) == 1
    client = redis.Redis.from_url(again.redis_url)
    assert client.get("triage:kept") == b"yes"
    assert lifecycle.status(sandbox_dir).seeded_at == first.seeded_at
    assert _simulator_answers(again) == 404

    # Reset: the demo data as they were, our changes gone, the log kept.
    _execute(
        again.database_url,
        "DELETE FROM audits",
        "DELETE FROM dqt_trn_requests",
        "DELETE FROM degrees",
        "DELETE FROM trainees",
    )
    client.delete("dead")
    client.close()
    with open(sandbox_dir / "triage.log", "a") as log_file:
        log_file.write("a line written before the reset\n")

    fresh = lifecycle.reset(sandbox_dir)

    assert _count(fresh.database_url, "SELECT count(*) FROM trainees") == trainees
    assert _count(fresh.database_url, kept) == 0
    client = redis.Redis.from_url(fresh.redis_url)
    assert client.zcard("dead") == dead
    assert client.exists("triage:kept") == 0
    client.close()
    assert "before the reset" in (sandbox_dir / "triage.log").read_text()
    assert lifecycle.status(sandbox_dir).running is True
    assert _simulator_answers(fresh) == 404

    # A seed whose success was never recorded (a crash half-way) is done again,
    # from scratch rather than on top of what is there.
    state_file = sandbox_dir / lifecycle.STATE_FILE
    state = json.loads(state_file.read_text())
    del state["seeded"]
    state_file.write_text(json.dumps(state))

    reseeded = lifecycle.ensure_running(sandbox_dir)

    assert _count(reseeded.database_url, "SELECT count(*) FROM trainees") == trainees
    assert lifecycle.status(sandbox_dir).seeded is True


def test_two_data_folders_do_not_collide(data_dir: Path) -> None:
    first, second = data_dir / "one", data_dir / "two"
    try:
        a = lifecycle.ensure_running(first)
        b = lifecycle.ensure_running(second)

        assert a.database_url != b.database_url
        assert a.redis_url != b.redis_url
        assert a.dqt_api_url != b.dqt_api_url
        assert a.dqt_api_key != b.dqt_api_key

        redis.Redis.from_url(a.redis_url).set("triage:only-in-one", b"1")
        assert redis.Redis.from_url(b.redis_url).exists("triage:only-in-one") == 0

        lifecycle.stop(first)
        assert lifecycle.status(first).running is False
        assert lifecycle.status(second).running is True
        assert _simulator_answers(b) == 404
    finally:
        lifecycle.stop(first)
        lifecycle.stop(second)


STARTER = """
import sys
from pathlib import Path
from sandbox.lifecycle import ensure_running
from triage.logs import configure_logging

folder = Path(sys.argv[1])
configure_logging(folder)
urls = ensure_running(folder)
print(urls.database_url, urls.redis_url, urls.dqt_api_url)
"""


def test_two_starts_at_once_give_one_sandbox_and_one_seed(sandbox_dir: Path) -> None:
    sandbox_dir.mkdir()
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(sandbox_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [starter.communicate(timeout=180) for starter in starters]

    assert [starter.returncode for starter in starters] == [0, 0], outputs
    assert outputs[0][0] == outputs[1][0]
    log_text = (sandbox_dir / "triage.log").read_text()
    assert log_text.count("sandbox seeded in") == 1
    assert log_text.count("postgres started in") == 1
    assert log_text.count("redis started in") == 1
    assert log_text.count("DQT simulator started on") == 1


def test_connections_find_the_simulator_again_after_it_stopped(
    sandbox_dir: Path,
) -> None:
    import os
    import signal
    import time

    from triage.config import load_settings
    from triage.runtime import connect

    settings = load_settings(
        database_url=None,
        redis_url=None,
        dqt_api_url=None,
        triage_data_dir=sandbox_dir,
    )
    connections = connect(settings)
    first = connections.dqt_api_url
    assert connections.current_dqt_api_url() == first  # still running: the same

    # The simulator this test started dies; the next retry finds a new one.
    pid = lifecycle.status(sandbox_dir).simulator_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while lifecycle.status(sandbox_dir).dqt_api_url and time.monotonic() < deadline:
        time.sleep(0.05)

    again = connections.current_dqt_api_url()

    assert again == lifecycle.status(sandbox_dir).dqt_api_url
    assert connections.dqt_api_url == again
    urls = lifecycle.ensure_running(sandbox_dir)
    assert _simulator_answers(urls) == 404
    connections.close()


def test_simulator_starts_with_a_key_that_looks_like_an_option(data_dir: Path) -> None:
    # The sandbox's key is random URL-safe text: one in 64 starts with "-".
    folder = data_dir / "dash"
    folder.mkdir()
    (folder / "dqt-api-key").write_text("-starts-with-a-dash")
    (folder / "dqt-api-key").chmod(0o600)
    try:
        urls = lifecycle.ensure_running(folder)
        assert urls.dqt_api_key == "-starts-with-a-dash"
        assert _simulator_answers(urls) == 404
    finally:
        lifecycle.stop(folder)
