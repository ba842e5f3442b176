"""Launch time and memory of the terminal app, measured as an operator meets them.

`triage` is started in a pseudo-terminal (120x40) exactly as from a shell, against
the given services, and its screen output is read until

- the home screen is drawn ("Playbook cases": first paint), and
- the failed jobs are listed ("All failed jobs" appears with its count only once
  the dead and retry sets are read, classified and resolved: first interactive
  screen).

Peak memory is the process's high-water mark (VmHWM) at that moment, with every
failed job the services hold loaded (10,000 in the benchmark's data). Then `q` is
sent and the app must exit cleanly. Each figure is the median and p95 of several
launches after one warm-up (which fills the OS file cache, as for any second start).

    python bench/launch_bench.py     # uses DATABASE_URL, REDIS_URL, DQT_API_URL
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

COLUMNS, ROWS = 120, 40
FIRST_PAINT = b"Playbook cases"
FIRST_SCREEN = b"All failed jobs"
# Escape sequences (CSI, OSC, single-character) removed before looking for text.
_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b."
)
LAUNCH_TIMEOUT_SECONDS = 60.0


def _peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of the process so far (what an idle machine's wall
    clock would show for a CPU-bound start)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _child(env: dict[str, str]) -> None:
    """In the forked child: size the terminal, then become `triage`."""
    size = struct.pack("HHHH", ROWS, COLUMNS, 0, 0)
    fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, size)
    os.execve(sys.executable, [sys.executable, "-m", "triage.cli"], env)


def launch_once(urls: dict[str, str], data_dir: Path) -> dict[str, float | None]:
    env = {
        **os.environ,
        **{key: value for key, value in urls.items() if value},
        "TRIAGE_DATA_DIR": str(data_dir),
        "TERM": "xterm-256color",
        "COLUMNS": str(COLUMNS),
        "LINES": str(ROWS),
    }
    env.pop("NO_COLOR", None)

    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child process
        _child(env)

    seen = b""
    first_paint = first_screen = None
    peak = cpu = None
    try:
        deadline = started + LAUNCH_TIMEOUT_SECONDS
        while first_screen is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break  # the child closed the terminal: it failed to start
            seen = (seen + _ESCAPES.sub(b"", chunk))[-200_000:]
            now = time.perf_counter()
            if first_paint is None and FIRST_PAINT in seen:
                first_paint = now - started
            if FIRST_SCREEN in seen:
                first_screen = now - started
        peak = _peak_rss_mb(pid)
        cpu = _cpu_seconds(pid)
        os.write(fd, b"q")
        exited_cleanly = _wait(pid, fd, timeout=10.0)
    finally:
        os.close(fd)
    return {
        "first_paint_s": first_paint,
        "first_screen_s": first_screen,
        "peak_mb": peak,
        "cpu_s": cpu,
        "exited_cleanly": exited_cleanly,
        "output_tail": None if first_screen else seen[-400:].decode("utf-8", "replace"),
    }


def _wait(pid: int, fd: int, *, timeout: float) -> bool:
    """Drain the terminal until the child exits; True when it exited with 0."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            with contextlib.suppress(OSError):
                os.read(fd, 65536)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return False


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
        "runs": len(ordered),
    }


def run(urls: dict[str, str], *, repeats: int = 5) -> dict[str, Any]:
    """Launch figures against `urls` (DATABASE_URL, REDIS_URL, DQT_API_URL, ...)."""
    with tempfile.TemporaryDirectory(prefix="triage-launch-") as folder:
        data_dir = Path(folder)
        launch_once(urls, data_dir)  # warm-up
        runs = [launch_once(urls, data_dir) for _ in range(repeats)]

    failed = [run for run in runs if run["first_screen_s"] is None]
    if failed:
        return {"error": f"the app did not show its first screen: {failed[0]}"}
    peaks = [run["peak_mb"] for run in runs if run["peak_mb"] is not None]
    return {
        "first_paint": _summary([run["first_paint_s"] for run in runs]),  # type: ignore[misc]
        "first_screen": _summary([run["first_screen_s"] for run in runs]),  # type: ignore[misc]
        "first_screen_cpu": _summary(
            [run["cpu_s"] for run in runs if run["cpu_s"] is not None]  # type: ignore[misc]
        ),
        "peak_memory": {"value_mb": max(peaks) if peaks else None},
        "load_average": os.getloadavg()[0],
        "clean_exits": sum(1 for run in runs if run["exited_cleanly"]),
    }


if __name__ == "__main__":
    import json

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    given = {
        key: os.environ.get(key, "")
        for key in ("DATABASE_URL", "REDIS_URL", "DQT_API_URL", "DQT_API_KEY")
    }
    if not (given["DATABASE_URL"] and given["REDIS_URL"]):
        from sandbox.lifecycle import ensure_running

        sandbox = ensure_running(Path(tempfile.gettempdir()) / "triage-launch-sandbox")
        given = {
            "DATABASE_URL": sandbox.database_url,
            "REDIS_URL": sandbox.redis_url,
            "DQT_API_URL": sandbox.dqt_api_url,
            "DQT_API_KEY": sandbox.dqt_api_key or "",
        }
    print(json.dumps(run(given), indent=2))
