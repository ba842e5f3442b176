"""The benchmark: the product's figures at production scale, beside their limits.

    python bench/run.py [--trainees 1000000] [--failed-jobs 10000] [--quick]

With no service URLs set it uses a sandbox of its own in `bench/.data` (so the demo
sandbox stays small); with DATABASE_URL and REDIS_URL set it uses those. Seeding goes
through `triage sandbox seed` and happens once: later runs reuse the rows.

Each figure is a median and p95 over many repetitions after a warm-up, printed beside
the nearest physical limit measured in the same run (the same query sent bare through
psycopg, the same Redis read with no parsing) as a ratio. The table goes to stdout;
the figures, the machine's core count and the server versions go to
`bench/results/latest.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

from bench.targets import TARGETS, verdict  # noqa: E402


def _sandbox_urls(data_dir: Path) -> dict[str, str]:
    from sandbox.lifecycle import ensure_running

    urls = ensure_running(data_dir)
    return {
        "DATABASE_URL": urls.database_url,
        "REDIS_URL": urls.redis_url,
        "DQT_API_URL": urls.dqt_api_url,
        "DQT_API_KEY": urls.dqt_api_key or "",
    }


def _seed(urls: dict[str, str], trainees: int, failed_jobs: int) -> float:
    """Seeds through the product's own command; returns the seconds it took."""
    started = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "triage.cli",
        "sandbox",
        "seed",
        "--database-url",
        urls["DATABASE_URL"],
        "--redis-url",
        urls["REDIS_URL"],
        "--trainees",
        str(trainees),
        "--failed-jobs",
        str(failed_jobs),
    ]
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def _server_versions(engine: Any, redis_client: Any) -> dict[str, str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        postgres = conn.execute(text("show server_version")).scalar_one()
    redis_version = redis_client.info("server")["redis_version"]
    return {"postgresql": str(postgres), "redis": redis_version}


def _section(name: str, runner: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    print(f"... {name}", file=sys.stderr, flush=True)
    try:
        return runner()
    except Exception as error:  # noqa: BLE001 - one broken section must not hide the rest
        return {"error": f"{type(error).__name__}: {error}"}


def _print_table(figures: dict[str, dict[str, Any]]) -> None:
    header = f"{'figure':44} {'median':>10} {'p95':>10} {'limit':>10} {'ratio':>7}"
    print(header + "  target")
    for section, rows in figures.items():
        if "error" in rows:
            print(f"{section:44} ERROR {rows['error']}")
            continue
        for name, row in rows.items():
            if not isinstance(row, dict) or "median_ms" not in row:
                continue
            label = f"{section}.{name}"
            limit = row.get("bare_median_ms")
            ratio = row.get("ratio")
            print(
                f"{label:44} {row['median_ms']:>8.2f}ms {row.get('p95_ms', 0):>8.2f}ms "
                f"{(f'{limit:.2f}ms' if limit is not None else '-'):>10} "
                f"{(f'{ratio:.2f}x' if ratio is not None else '-'):>7}  "
                f"{verdict(label, row)}"
            )
            if row.get("note"):
                print(f"{'':44} note: {row['note']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=1_000_000)
    parser.add_argument("--failed-jobs", type=int, default=10_000)
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / ".data")
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args(argv)

    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        urls = {
            k: os.environ.get(k, "")
            for k in ("DATABASE_URL", "REDIS_URL", "DQT_API_URL", "DQT_API_KEY")
        }
        where = "given services"
    else:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        urls = _sandbox_urls(args.data_dir)
        where = f"sandbox in {args.data_dir}"

    seed_seconds = None
    if not args.skip_seed:
        seed_seconds = _seed(urls, args.trainees, args.failed_jobs)

    import redis

    from services.db import make_engine

    engine = make_engine(urls["DATABASE_URL"])
    redis_client = redis.Redis.from_url(urls["REDIS_URL"])

    import comparison_bench
    import dqt_bench
    import export_bench
    import jobs_bench
    import launch_bench
    import search_bench

    figures: dict[str, dict[str, Any]] = {
        "search": _section("search", lambda: search_bench.run(engine)),
        "jobs": _section("jobs", lambda: jobs_bench.run(redis_client, engine)),
        "dqt": _section("dqt", dqt_bench.run),
        "comparison": _section(
            "comparison", lambda: comparison_bench.run(engine, urls)
        ),
        "export": _section("export", lambda: export_bench.run(engine, redis_client)),
        "launch": _section("launch", lambda: launch_bench.run(urls)),
    }

    report = {
        "where": where,
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            **_server_versions(engine, redis_client),
        },
        "seed_seconds": seed_seconds,
        "targets": TARGETS,
        "figures": figures,
    }
    _print_table(figures)
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nmachine: {report['machine']}")
    print(f"written: {results / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
