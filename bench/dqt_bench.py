"""DQT client figures against the simulator on loopback.

    python bench/dqt_bench.py

- round trip: one `get_teacher` through `DqtClient` (rate limiter, semaphore, model
  parsing), beside the same GET sent bare through httpx (the limit);
- 500 concurrent teacher look-ups with a limit too high to bite: throughput;
- the same 500 under the production rule (300 requests in any minute), run with the
  window shrunk tenfold to see the limiter hold them back, and estimated for the
  real minute: 300 go at once, 200 wait for the window to move.

`run()` returns the figures as a dict (median and p95 in ms per row) for bench/run.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dqt.client import DqtClient  # noqa: E402
from dqt.simulator.server import run_in_thread  # noqa: E402
from dqt.simulator.state import (  # noqa: E402
    ApiKey,
    IttRecord,
    Organisation,
    SimulatorState,
    Teacher,
)

API_KEY = "bench-key"
TEACHERS = 500
ROUND_TRIPS = 300
WARM_UP = 30
PRODUCTION_LIMIT = 300
WINDOW_SCALE = 10  # a six-second window standing in for the minute


def _state() -> SimulatorState:
    teachers = [
        Teacher(
            trn=str(2_000_000 + n),
            first_name="Bench",
            last_name=f"Teacher{n}",
            date_of_birth=dt.date(1990, 1, 1) + dt.timedelta(days=n),
            itt=[IttRecord(provider_ukprn="10000001", programme_type="HEI")],
        )
        for n in range(TEACHERS)
    ]
    return SimulatorState(
        api_keys=[ApiKey(key=API_KEY, client="bench")],
        organisations=[Organisation(ukprn="10000001", name="Bench SCITT")],
        teachers=teachers,
    )


def _stats(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"median_ms": statistics.median(ordered), "p95_ms": p95}


async def _round_trips(url: str) -> dict[str, Any]:
    import httpx

    client_ms: list[float] = []
    bare_ms: list[float] = []
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with (
        DqtClient(url, API_KEY, requests_per_minute=10**9) as dqt,
        httpx.AsyncClient(base_url=url, headers=headers) as bare,
    ):
        for n in range(WARM_UP + ROUND_TRIPS):
            trn = str(2_000_000 + n % TEACHERS)

            started = time.perf_counter()
            await dqt.get_teacher(trn)
            elapsed = (time.perf_counter() - started) * 1000
            if n >= WARM_UP:
                client_ms.append(elapsed)

            started = time.perf_counter()
            response = await bare.get(f"/v2/teachers/{trn}")
            response.json()
            elapsed = (time.perf_counter() - started) * 1000
            if n >= WARM_UP:
                bare_ms.append(elapsed)

    row = _stats(client_ms)
    bare = _stats(bare_ms)
    row["bare_median_ms"] = bare["median_ms"]
    row["ratio"] = row["median_ms"] / bare["median_ms"]
    row["note"] = (
        f"{ROUND_TRIPS} sequential GET /v2/teachers/{{trn}}; limit = bare httpx"
    )
    return row


async def _lookups(
    url: str, *, per_window: int, window_seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    async with DqtClient(
        url,
        API_KEY,
        requests_per_minute=per_window,
        rate_window_seconds=window_seconds,
        max_concurrency=10,
    ) as dqt:

        async def one(n: int) -> None:
            started = time.perf_counter()
            await dqt.get_teacher(str(2_000_000 + n))
            latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(TEACHERS)))
        total = time.perf_counter() - started
        waited = dqt.limiter.waited_seconds

    row = _stats(latencies)
    row.update(total_s=total, per_second=TEACHERS / total, limiter_wait_s=waited)
    return row


async def _run() -> dict[str, Any]:
    simulator = run_in_thread(_state(), rate_limit_per_minute=10**9)
    try:
        round_trip = await _round_trips(simulator.url)
        free = await _lookups(simulator.url, per_window=10**9, window_seconds=60.0)
        limited = await _lookups(
            simulator.url,
            per_window=PRODUCTION_LIMIT,
            window_seconds=60.0 / WINDOW_SCALE,
        )
    finally:
        simulator.stop()

    free["note"] = (
        f"{TEACHERS} concurrent look-ups (10 at a time): {free['total_s']:.2f} s, "
        f"{free['per_second']:.0f}/s"
    )
    # In production the whole windows are a minute each; the rest goes at the
    # unlimited pace. The run with the shrunk window checks the limiter holds them.
    full_windows = (TEACHERS - 1) // PRODUCTION_LIMIT
    remainder = TEACHERS - full_windows * PRODUCTION_LIMIT
    production_s = full_windows * 60.0 + free["total_s"] * remainder / TEACHERS
    limited["production_estimate_s"] = production_s
    limited["note"] = (
        f"at {PRODUCTION_LIMIT}/min: about {production_s:.0f} s for {TEACHERS} "
        f"({PRODUCTION_LIMIT} at once, the rest after the window moves); measured "
        f"{limited['total_s']:.2f} s with a {60 / WINDOW_SCALE:.0f} s window, "
        f"{limited['limiter_wait_s']:.2f} s of it waiting in the limiter"
    )
    return {
        "round_trip": round_trip,
        "lookups_500_unlimited": free,
        "lookups_500_at_300_per_minute": limited,
    }


def run() -> dict[str, Any]:
    # One log line per call would swamp the figures' own output.
    logging.getLogger("dqt").setLevel(logging.WARNING)
    return asyncio.run(_run())


def _print(figures: dict[str, Any]) -> None:
    print(f"{'figure':34} {'median':>10} {'p95':>10}  note")
    for name, row in figures.items():
        print(
            f"{name:34} {row['median_ms']:>8.2f}ms {row['p95_ms']:>8.2f}ms  "
            f"{row.get('note', '')}"
        )


if __name__ == "__main__":
    _print(run())
