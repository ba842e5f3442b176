"""The terminal app on the demo data, for snapshot and Pilot tests.

Every app here runs against the session's real PostgreSQL and Redis (seeded with
`sandbox.demo.seed_demo` for a fixed day) and a DQT simulator holding the demo's
DQT state, with a fixed clock, a fixed operator and animations off, so that the
same test draws the same screen on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

FIXED_NOW = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)
OPERATOR = "ada"

# About shows the data folder: its drawing uses this path, which nothing creates
# (About writes nothing), so two test runs at once never share a folder.
SHOWN_DATA_DIR = Path("/srv/register-triage-data")

# Environment that would change what the app shows.
_SETTING_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "DQT_API_URL",
    "DQT_API_KEY",
    "TRIAGE_OPERATOR",
    "TRIAGE_ALLOW_WRITES",
    "TRIAGE_DATA_DIR",
    "TRIAGE_SIDEKIQ_VERSION",
    "TRIAGE_INSTITUTIONS_FILE",
    "TEXTUAL_ANIMATIONS",
)


@pytest.fixture(autouse=True)
def _stable_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _SETTING_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def settings_for(data_dir: Path, *, writes: bool) -> Any:
    from triage.config import Settings

    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        triage_data_dir=data_dir,
        triage_allow_writes=writes,
        triage_operator=OPERATOR,
    )


def connections_for(
    database_url: str,
    redis_url: str,
    dqt_url: str,
    dqt_key: str | None,
    *,
    data_dir: Path,
    writes: bool = True,
    sandbox: bool = True,
) -> Any:
    from triage.runtime import Connections

    return Connections(
        settings=settings_for(data_dir, writes=writes),
        database_url=database_url,
        redis_url=redis_url,
        dqt_api_url=dqt_url,
        dqt_api_key=dqt_key,
        sandbox=sandbox,
    )


@dataclass
class Demo:
    database_url: str
    redis_url: str
    simulator: Any
    api_key: str
    engine: Any
    redis: Any


def _seed(engine: Any, redis_client: Any) -> None:
    from sandbox.demo import seed_demo

    seed_demo(engine, redis_client, today=FIXED_NOW.date())


def _demo_dqt_state(api_key: str) -> Any:
    from dqt.simulator.state import ApiKey
    from sandbox.demo import demo_simulator_state

    state = demo_simulator_state(FIXED_NOW.date())
    state.api_keys.append(ApiKey(key=api_key, client="register"))
    return state


@pytest.fixture
def demo(
    engine: Any,
    redis_client: Any,
    database_url: str,
    redis_url: str,
    make_simulator: Callable[..., Any],
    simulator_api_key: str,
) -> Demo:
    """The demo data, fresh for one test that may change it."""
    _seed(engine, redis_client)
    simulator = make_simulator(_demo_dqt_state(simulator_api_key))
    return Demo(
        database_url, redis_url, simulator, simulator_api_key, engine, redis_client
    )


@pytest.fixture(scope="module")
def shared_demo(database_url: str, redis_url: str) -> Iterator[Demo]:
    """The demo data seeded once for a module whose tests only read it."""
    import redis

    from dqt.simulator.server import run_in_thread
    from services.db import make_engine
    from services.register import schema

    engine = make_engine(database_url)
    schema.drop_schema(engine)
    schema.create_schema(engine)
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    _seed(engine, client)
    key = "tui-snapshot-key"
    simulator = run_in_thread(_demo_dqt_state(key), host="127.0.0.1", port=0)
    try:
        yield Demo(database_url, redis_url, simulator, key, engine, client)
    finally:
        simulator.stop()
        client.close()
        engine.dispose()


@pytest.fixture
def snapshot_data_dir(tmp_path: Path) -> Path:
    """A data folder of this test's own (journal, exports)."""
    folder = tmp_path / "snapshot-data"
    folder.mkdir()
    return folder


def _app_factory(demo: Demo, default_dir: Path, made: list[Any]) -> Callable[..., Any]:
    from tui.app import TriageApp

    def make(
        *, writes: bool = True, folder: Path | None = None, sandbox: bool = True
    ) -> Any:
        connections = connections_for(
            demo.database_url,
            demo.redis_url,
            demo.simulator.url,
            demo.api_key,
            data_dir=folder or default_dir,
            writes=writes,
            sandbox=sandbox,
        )
        made.append(connections)
        return TriageApp(connections, clock=lambda: FIXED_NOW)

    return make


@pytest.fixture
def make_app(demo: Demo, data_dir: Path) -> Iterator[Callable[..., Any]]:
    """`make_app(writes=True, folder=None, sandbox=True)`: an app on fresh demo data."""
    made: list[Any] = []
    yield _app_factory(demo, data_dir, made)
    for connections in made:
        connections.close()


@pytest.fixture
def make_snapshot_app(
    shared_demo: Demo, snapshot_data_dir: Path
) -> Iterator[Callable[..., Any]]:
    """An app on the module's shared demo data, for tests that only look."""
    made: list[Any] = []
    yield _app_factory(shared_demo, snapshot_data_dir, made)
    for connections in made:
        connections.close()


async def settle(pilot: Any, quiet_rounds: int = 2, most: int = 40) -> None:
    """Wait for every worker, for the workers their results start (a trainee's
    DQT comparison starts once its record is read), and for the redraws: done
    when no worker has run for `quiet_rounds` rounds in a row."""
    quiet = 0
    for _ in range(most):
        await pilot.pause()
        busy = any(worker.is_running for worker in pilot.app.workers)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        quiet = 0 if busy else quiet + 1
        if quiet >= quiet_rounds:
            return


def burst(app: Any, *keys: str) -> None:
    """Keys as a terminal sends them in one read: all queued to the app before
    it handles the first (a Pilot press waits for the app after each key)."""
    from textual import events
    from textual.keys import _character_to_key

    for key in keys:
        name = _character_to_key(key) if len(key) == 1 else key
        event = events.Key(name, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
