"""The sandbox's life cycle: start on demand, seed once, report, stop, reset.

Everything the sandbox owns lives in one data folder:

    pg/              PostgreSQL's data directory (and its unix socket)
    redis/           redis.conf, the socket, dump.rdb, the append-only file, pidfile
    dqt-state.json   the DQT simulator's state
    dqt-api-key      the simulator's API key (mode 0600)
    dqt-sim.log      the simulator's output
    sandbox.json     whether the demo data were loaded, the simulator's pid and port
    sandbox.lock     an exclusive lock held while anything above changes

Every change happens under `sandbox.lock` (fcntl.flock), so two `triage` processes
starting at once end with one set of servers and one seed. The servers keep running
after `triage` exits; `stop(data_dir)` ends them. Two data folders share nothing:
their sockets, ports and pids are their own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import servers

log = logging.getLogger(__name__)

STATE_FILE = "sandbox.json"
LOCK_FILE = "sandbox.lock"
DQT_STATE_FILE = "dqt-state.json"
API_KEY_FILE = "dqt-api-key"
SIMULATOR_LOG_FILE = "dqt-sim.log"

# What `reset` removes; the product's own log and journal stay.
SANDBOX_ENTRIES = (
    servers.POSTGRES_DIR_NAME,
    servers.REDIS_DIR_NAME,
    DQT_STATE_FILE,
    STATE_FILE,
    SIMULATOR_LOG_FILE,
)

SIMULATOR_START_TIMEOUT_SECONDS = 20.0
SIMULATOR_STOP_TIMEOUT_SECONDS = 10.0


class SandboxError(RuntimeError):
    """The sandbox could not be started, seeded or stopped; the message is one line."""


class _SimulatorExited(SandboxError):
    """The simulator process ended during start-up (e.g. its port was taken)."""


@dataclass(frozen=True)
class SandboxUrls:
    database_url: str
    redis_url: str
    dqt_api_url: str
    # Not a production secret (it opens only the local simulator), but kept out of
    # reprs all the same.
    dqt_api_key: str = field(repr=False)


@dataclass(frozen=True)
class SandboxStatus:
    data_dir: Path
    database_url: str | None
    redis_url: str | None
    dqt_api_url: str | None
    seeded: bool
    seeded_at: str | None
    postgres_pid: int | None = None
    redis_pid: int | None = None
    simulator_pid: int | None = None

    @property
    def running(self) -> bool:
        return bool(self.database_url and self.redis_url and self.dqt_api_url)


# --- the state file and the lock --------------------------------------------------


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """Hold the folder's exclusive lock (blocks until the other holder is done)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_FILE, "a+") as lock_file:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def _read_state(data_dir: Path) -> dict[str, Any]:
    try:
        state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        # A damaged file means "not seeded": the seed is redone rather than trusted.
        log.warning("ignoring unreadable %s: %s", data_dir / STATE_FILE, error)
        return {}
    return state if isinstance(state, dict) else {}


def _write_json(path: Path, value: Any) -> None:
    """Write through a temporary file and a rename, so a crash leaves old or new."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(value, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def _api_key(data_dir: Path) -> str:
    """The sandbox simulator's key: random on first use, then read from its file."""
    path = data_dir / API_KEY_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_urlsafe(24))
        log.info("created the sandbox DQT API key in %s", path)
    return path.read_text(encoding="utf-8").strip()


# --- the DQT simulator process ----------------------------------------------------


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _is_our_simulator(pid: int, data_dir: Path) -> bool:
    """The pid is alive and is the simulator serving this folder's state file."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
    except (OSError, IndexError):
        return False
    state_file = os.fsencode(data_dir / DQT_STATE_FILE)
    return status != "Z" and b"dqt-sim" in command and state_file in command


def _simulator_url(data_dir: Path, state: dict[str, Any]) -> str | None:
    simulator = state.get("simulator") or {}
    pid, port = simulator.get("pid"), simulator.get("port")
    if not isinstance(pid, int) or not isinstance(port, int):
        return None
    if _is_our_simulator(pid, data_dir) and _port_answers(port):
        return f"http://127.0.0.1:{port}"
    return None


def _start_simulator(data_dir: Path, api_key: str) -> dict[str, int]:
    port = _free_loopback_port()
    command = [
        sys.executable, "-m", "triage.cli", "dqt-sim",
        "--port", str(port),
        "--state", str(data_dir / DQT_STATE_FILE),
        # One token: a random key may start with "-", which argparse would
        # otherwise take for an option of its own.
        f"--api-key={api_key}",
    ]  # fmt: skip
    environment = dict(os.environ, TRIAGE_DATA_DIR=str(data_dir))
    with open(data_dir / SIMULATOR_LOG_FILE, "ab") as output:
        # A session of its own: Ctrl-C in the terminal running `triage` must not
        # reach the simulator, which outlives it until `triage sandbox stop`.
        process = subprocess.Popen(
            command,
            cwd=data_dir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    deadline = time.monotonic() + SIMULATOR_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _SimulatorExited(
                f"the DQT simulator exited with status {process.returncode} "
                f"(see {data_dir / SIMULATOR_LOG_FILE})"
            )
        if _port_answers(port):
            log.info(
                "DQT simulator started on 127.0.0.1:%d (pid %d)", port, process.pid
            )
            return {"pid": process.pid, "port": port}
        time.sleep(0.05)
    process.terminate()
    raise SandboxError(
        f"the DQT simulator did not answer within "
        f"{SIMULATOR_START_TIMEOUT_SECONDS:.0f}s (see {data_dir / SIMULATOR_LOG_FILE})"
    )


def _start_simulator_on_a_free_port(data_dir: Path, api_key: str) -> dict[str, int]:
    # The free port we picked can be taken before the simulator binds it; the
    # simulator then exits at once, and another port is tried.
    for attempt in range(1, 4):
        try:
            return _start_simulator(data_dir, api_key)
        except _SimulatorExited as error:
            if attempt == 3:
                raise
            log.warning("DQT simulator start %d failed (%s); retrying", attempt, error)
    raise AssertionError("unreachable")


def _stop_simulator(data_dir: Path, state: dict[str, Any]) -> bool:
    pid = (state.get("simulator") or {}).get("pid")
    if not isinstance(pid, int) or not _is_our_simulator(pid, data_dir):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + SIMULATOR_STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and _is_our_simulator(pid, data_dir):
        time.sleep(0.05)
    if _is_our_simulator(pid, data_dir):
        os.kill(pid, signal.SIGKILL)
    log.info("DQT simulator stopped (pid %d)", pid)
    return True


# --- seeding ----------------------------------------------------------------------


def _seed(data_dir: Path, database_url: str, redis_url: str, today: dt.date) -> None:
    """Create Register's schema, load the demo data, write the simulator's state.

    The database and Redis are the sandbox's own, so anything a failed earlier seed
    left behind is dropped first.
    """
    import redis

    from sandbox.demo import demo_dqt_state, seed_demo
    from services.db import make_engine
    from services.register import schema

    started = time.monotonic()
    engine = make_engine(database_url)
    client = redis.Redis.from_url(redis_url)
    try:
        schema.drop_schema(engine)
        schema.create_schema(engine)
        client.flushdb()
        seed_demo(engine, client, today=today)
    finally:
        client.close()
        engine.dispose()

    _write_json(data_dir / DQT_STATE_FILE, demo_dqt_state(today))
    log.info("sandbox seeded in %s (%.1fs)", data_dir, time.monotonic() - started)


# --- public functions -------------------------------------------------------------


def ensure_running(data_dir: Path, *, today: dt.date | None = None) -> SandboxUrls:
    """Start whatever is not running, seed on first start; the sandbox's URLs."""
    data_dir = Path(data_dir).expanduser().resolve()
    with _locked(data_dir):
        return _ensure_running_locked(data_dir, today or dt.date.today())


def _ensure_running_locked(data_dir: Path, today: dt.date) -> SandboxUrls:
    try:
        database_url = servers.start_postgres(data_dir)
        redis_url = servers.start_redis(data_dir)
    except servers.SandboxServerError as error:
        raise SandboxError(str(error)) from error
    api_key = _api_key(data_dir)
    state = _read_state(data_dir)

    if not state.get("seeded"):
        # The simulator of a failed earlier attempt serves a stale state file.
        _stop_simulator(data_dir, state)
        state.pop("simulator", None)
        try:
            _seed(data_dir, database_url, redis_url, today)
        except Exception as error:  # noqa: BLE001 - any failure: retried next start
            log.exception("loading the demo data into %s failed", data_dir)
            raise SandboxError(
                f"loading the demo data failed ({type(error).__name__}); it is "
                f"retried on the next start; details in {data_dir / 'triage.log'}"
            ) from error
        # Recorded only now, so that a seed that failed half-way is redone.
        state.update(
            seeded=True,
            seeded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            seeded_for=today.isoformat(),
        )
        _write_json(data_dir / STATE_FILE, state)

    dqt_api_url = _simulator_url(data_dir, state)
    if dqt_api_url is None:
        state["simulator"] = _start_simulator_on_a_free_port(data_dir, api_key)
        _write_json(data_dir / STATE_FILE, state)
        dqt_api_url = f"http://127.0.0.1:{state['simulator']['port']}"

    return SandboxUrls(
        database_url=database_url,
        redis_url=redis_url,
        dqt_api_url=dqt_api_url,
        dqt_api_key=api_key,
    )


def status(data_dir: Path) -> SandboxStatus:
    """What is running and whether the demo data are loaded; starts nothing."""
    data_dir = Path(data_dir).expanduser().resolve()
    state = _read_state(data_dir)
    simulator_url = _simulator_url(data_dir, state)
    simulator_pid = (state.get("simulator") or {}).get("pid")
    return SandboxStatus(
        data_dir=data_dir,
        database_url=servers.postgres_url(data_dir),
        redis_url=servers.redis_url(data_dir),
        dqt_api_url=simulator_url,
        seeded=bool(state.get("seeded")),
        seeded_at=state.get("seeded_at"),
        postgres_pid=servers.postgres_pid(data_dir),
        redis_pid=servers.redis_pid(data_dir),
        simulator_pid=simulator_pid if simulator_url else None,
    )


def stop(data_dir: Path) -> list[str]:
    """Stop the simulator, Redis and PostgreSQL; the names of those that ran."""
    data_dir = Path(data_dir).expanduser().resolve()
    if not data_dir.exists():
        return []
    with _locked(data_dir):
        return _stop_locked(data_dir)


def _stop_locked(data_dir: Path) -> list[str]:
    stopped = []
    state = _read_state(data_dir)
    if _stop_simulator(data_dir, state):
        stopped.append("DQT simulator")
    if state.pop("simulator", None) is not None and (data_dir / STATE_FILE).exists():
        _write_json(data_dir / STATE_FILE, state)
    if servers.stop_redis(data_dir):
        stopped.append("Redis")
    if servers.stop_postgres(data_dir):
        stopped.append("PostgreSQL")
    log.info("sandbox in %s stopped: %s", data_dir, ", ".join(stopped) or "nothing ran")
    return stopped


def reset(data_dir: Path, *, today: dt.date | None = None) -> SandboxUrls:
    """Stop, wipe the sandbox's data, start and seed again (the log is kept)."""
    data_dir = Path(data_dir).expanduser().resolve()
    with _locked(data_dir):
        _stop_locked(data_dir)
        for name in SANDBOX_ENTRIES:
            path = data_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        log.info("sandbox data in %s wiped", data_dir)
        return _ensure_running_locked(data_dir, today or dt.date.today())


def env_lines(urls: SandboxUrls) -> list[str]:
    """`NAME=value` lines a shell, psql, redis-cli or a second `triage` can use."""
    return [
        f"DATABASE_URL={urls.database_url}",
        f"REDIS_URL={urls.redis_url}",
        f"DQT_API_URL={urls.dqt_api_url}",
        f"DQT_API_KEY={urls.dqt_api_key}",
    ]
