"""Failed-jobs figures: reading a full dead set, and a bulk retry, beside bare Redis.

- load_parse_classify: 10,000 dead entries (Sidekiq's `dead_max_jobs`) read with
  ZRANGE, decoded into `FailedJob`s and matched to playbook cases, beside the bare
  limit: the same ZRANGE plus `json.loads` of every member and nothing else.
- resolve_trainees: the same 10,000 jobs resolved to trainees in one query.
- bulk_retry: 1,000 members retried through `JobActions.retry` (exact-member claim
  and push in one Lua script each, payloads re-encoded as Sidekiq writes them),
  beside the bare commands: a pipeline of ZREM + LPUSH of the same bytes.

The entries are made from payloads real Sidekiq wrote (../shared/cases), each with
its own jid, trainee and response date, under keys of the bench's own
(`bench:jobs:*`, queue `bench-jobs`), so the Sidekiq data of the Redis it is given
is never read or changed; everything the bench adds is removed at the end.

    run(redis_client, engine) -> {"load_parse_classify": {...}, ...}
    python bench/jobs_bench.py      # REDIS_URL (default redis://127.0.0.1:6379/11)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.playbook import classify  # noqa: E402
from services.sidekiq import wire  # noqa: E402
from services.sidekiq.actions import JobActions  # noqa: E402
from services.sidekiq.reader import read_sorted_set  # noqa: E402
from services.sidekiq.resolve import resolve_jobs  # noqa: E402

DEAD_JOBS = 10_000
BULK_JOBS = 1_000
DEAD_KEY = "bench:jobs:dead"
BULK_KEY = "bench:jobs:bulk"
QUEUE = "bench-jobs"
REPEATS = 30
BULK_REPEATS = 7

_CAPTURES = (
    ROOT.parent / "shared" / "cases" / "sidekiq-6.4" / "captured-app-options",
    ROOT / "tests" / "sidekiq" / "data" / "sidekiq-6.4" / "captured-app-options",
)


def _templates() -> list[dict[str, Any]]:
    folder = next(path for path in _CAPTURES if path.is_dir())
    return [
        json.loads(entry["payload_string"])
        for name in ("dead", "retry")
        for entry in json.loads((folder / f"{name}.json").read_text())
    ]


def _members(count: int) -> list[tuple[bytes, float]]:
    """`count` distinct entries: own jid, trainee, response time and failure time."""
    templates = _templates()
    members = []
    for number in range(count):
        payload = json.loads(json.dumps(templates[number % len(templates)]))
        payload["queue"] = QUEUE
        payload["jid"] = f"{number:024x}"
        activejob = payload["args"][0]
        activejob["arguments"][0] = wire.globalid("Trainee", 1 + number)
        message = payload.get("error_message") or ""
        stamp = f"{number % 24:02d}:{number % 60:02d}:{number // 60 % 60:02d}"
        payload["error_message"] = message.replace("09:41:27", stamp)
        payload["failed_at"] = 1685610000.0 + number
        members.append((wire.dumps(payload).encode(), 1685610000.0 + number))
    return members


def _fill(redis: Any, key: str, members: list[tuple[bytes, float]]) -> None:
    redis.delete(key)
    pipe = redis.pipeline(transaction=False)
    for start in range(0, len(members), 1000):
        pipe.zadd(key, dict(members[start : start + 1000]))
    pipe.execute()


def _timed(action: Callable[[], Any], repeats: int) -> list[float]:
    action()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _row(times: list[float], bare: list[float] | None, note: str) -> dict[str, Any]:
    ordered = sorted(times)
    row: dict[str, Any] = {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "note": note,
    }
    if bare:
        bare_median = statistics.median(bare)
        row["bare_median_ms"] = round(bare_median, 2)
        row["bare_p95_ms"] = round(sorted(bare)[int(len(bare) * 0.95) - 1], 2)
        row["ratio"] = round(row["median_ms"] / bare_median, 2)
    return row


def _load_figures(redis: Any, engine: Any) -> dict[str, Any]:
    _fill(redis, DEAD_KEY, _members(DEAD_JOBS))

    def bare() -> None:
        rows = redis.zrange(DEAD_KEY, 0, -1, withscores=True)
        [json.loads(member) for member, _score in rows]

    def product() -> None:
        jobs = read_sorted_set(redis, DEAD_KEY)
        [classify(job) for job in jobs]

    # Interleaved, so that a busy neighbour slows both sides alike.
    bare_times: list[float] = []
    product_times: list[float] = []
    for _ in range(3):
        bare_times += _timed(bare, REPEATS // 3)
        product_times += _timed(product, REPEATS // 3)
    figures = {
        "load_parse_classify": _row(
            product_times,
            bare_times,
            f"{DEAD_JOBS:,} dead jobs read, decoded and classified; limit: ZRANGE "
            "+ json.loads",
        )
    }

    if engine is not None:
        jobs = read_sorted_set(redis, DEAD_KEY)
        figures["resolve_trainees"] = _row(
            _timed(lambda: resolve_jobs(engine, jobs), 5),
            None,
            f"{DEAD_JOBS:,} jobs' trainees, one query",
        )
    return figures


def _bulk_figures(redis: Any) -> dict[str, Any]:
    members = _members(BULK_JOBS)
    actions = JobActions(redis, writes_enabled=True, operator="bench", journal=None)
    product_times: list[float] = []
    bare_times: list[float] = []
    outcomes: set[str] = set()

    for _ in range(BULK_REPEATS):
        _fill(redis, BULK_KEY, members)
        redis.delete(f"queue:{QUEUE}")
        jobs = read_sorted_set(redis, BULK_KEY)  # the snapshot, outside the timing
        started = time.perf_counter()
        report = actions.retry(jobs, reason="bench")
        product_times.append((time.perf_counter() - started) * 1000)
        outcomes |= set(report.counts())

        _fill(redis, BULK_KEY, members)
        redis.delete(f"queue:{QUEUE}")
        started = time.perf_counter()
        pipe = redis.pipeline(transaction=False)
        for member, _score in members:
            pipe.zrem(BULK_KEY, member)
            pipe.lpush(f"queue:{QUEUE}", member)
        pipe.execute()
        bare_times.append((time.perf_counter() - started) * 1000)

    return {
        "bulk_retry": _row(
            product_times,
            bare_times,
            f"{BULK_JOBS:,} retried (outcomes: {', '.join(sorted(outcomes))}); "
            "limit: pipelined ZREM + LPUSH",
        )
    }


def run(redis_client: Any, engine: Any = None) -> dict[str, Any]:
    try:
        figures = _load_figures(redis_client, engine)
        figures.update(_bulk_figures(redis_client))
        # Other work on the machine slows both sides of each ratio alike, but not
        # the absolute figures: keep the load beside them.
        figures["machine_load"] = {"loadavg_1m": round(os.getloadavg()[0], 2)}
        return figures
    finally:
        redis_client.delete(DEAD_KEY, BULK_KEY, f"queue:{QUEUE}")
        redis_client.srem("queues", QUEUE)


def main() -> int:
    import redis

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11")
    engine = None
    if os.environ.get("DATABASE_URL"):
        from services.db import make_engine

        engine = make_engine(os.environ["DATABASE_URL"])
    figures = run(redis.Redis.from_url(url), engine)
    for name, row in figures.items():
        if "median_ms" not in row:
            print(f"{name:22} {row}")
            continue
        ratio = f"  ratio {row['ratio']:.2f}x" if "ratio" in row else ""
        bare = (
            f"  bare {row['bare_median_ms']:.1f} ms" if "bare_median_ms" in row else ""
        )
        print(
            f"{name:22} median {row['median_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms"
            f"{bare}{ratio}\n{'':22} {row['note']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
