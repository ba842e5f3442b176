"""The benchmark: the product's figures at production scale, beside their limits.

    python bench/run.py            # 1,000,000 trainees, 10,000 failed jobs
    python bench/run.py --quick    # 20,000 trainees, 2,000 jobs, fewer repetitions

With no service URLs set it uses sandboxes of its own under `bench/.data` (`full/`
and `quick/`, so the demo sandbox stays small and a quick check never reseeds the
big one); with DATABASE_URL and REDIS_URL set it uses those. Seeding goes through
`triage sandbox seed` and happens once: later runs reuse the rows. Services the
bench did not start are seeded only when empty, and nothing is ever forced on them.

Each figure is a median and p95 over many repetitions after a warm-up, printed beside
the nearest physical limit measured in the same run (the same query sent bare through
psycopg, the same Redis read with no parsing) as a ratio, and the verdict against
bench/targets.py. The table goes to stdout; the figures, the machine's core count,
memory, load and the server versions go to `bench/results/latest.json`.
"""

from __future__ import annotations

import argparse
import json
import logging
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

log = logging.getLogger("bench")

FULL = {"trainees": 1_000_000, "failed_jobs": 10_000}
QUICK = {"trainees": 20_000, "failed_jobs": 2_000}
# Written beside an owned sandbox once it holds what was asked for.
SEED_MARKER = "bench-seed.json"


def _sandbox_urls(data_dir: Path) -> dict[str, str]:
    from sandbox.lifecycle import ensure_running

    urls = ensure_running(data_dir)
    return {
        "DATABASE_URL": urls.database_url,
        "REDIS_URL": urls.redis_url,
        "DQT_API_URL": urls.dqt_api_url,
        "DQT_API_KEY": urls.dqt_api_key or "",
    }


def _launch_simulator() -> dict[str, str]:
    """A DQT simulator on loopback for the launch figures, when none is given."""
    from dqt.simulator.server import run_in_thread
    from dqt.simulator.state import ApiKey, SimulatorState

    key = "bench-launch-key"
    state = SimulatorState(api_keys=[ApiKey(key=key, client="bench")])
    simulator = run_in_thread(state)
    log.warning("no DQT_API_URL: the app is launched against a simulator")
    return {"DQT_API_URL": simulator.url, "DQT_API_KEY": key}


def _held(urls: dict[str, str]) -> tuple[int, int]:
    """(trainees, dead jobs) the services hold now; 0 where there is no table."""
    import redis
    import sqlalchemy as sa

    from services.db import make_engine

    engine = make_engine(urls["DATABASE_URL"])
    client = redis.Redis.from_url(urls["REDIS_URL"])
    try:
        with engine.connect() as conn:
            trainees = 0
            if sa.inspect(conn).has_table("trainees"):
                trainees = conn.execute(
                    sa.text("SELECT count(*) FROM trainees")
                ).scalar_one()
        return int(trainees), int(client.zcard("dead"))
    finally:
        client.close()
        engine.dispose()


def _seed_command(
    urls: dict[str, str], trainees: int, failed_jobs: int, *, force: bool
) -> float:
    """Seeds through the product's own command; returns the seconds it took."""
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
    if force:
        command.append("--force")
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def _ensure_seeded(
    urls: dict[str, str],
    trainees: int,
    failed_jobs: int,
    *,
    owned_dir: Path | None,
) -> dict[str, Any]:
    """Seed once, reuse afterwards; what was found and done, for the report.

    An owned sandbox (`owned_dir`) is reseeded from scratch (`--force`) unless its
    marker says it already holds exactly this load. Given services are seeded only
    when they hold no trainees and no Sidekiq jobs; otherwise they are measured as
    they are and the report says how far they are from the asked-for load.
    """
    held_trainees, held_dead = _held(urls)
    wanted = {"trainees": trainees, "failed_jobs": failed_jobs}

    if owned_dir is not None:
        marker = owned_dir / SEED_MARKER
        recorded = json.loads(marker.read_text()) if marker.exists() else None
        if (
            recorded == wanted
            and held_trainees >= trainees
            and held_dead >= failed_jobs
        ):
            return {"seeded": False, "trainees": held_trainees, "dead": held_dead}
        marker.unlink(missing_ok=True)
        print(
            f"... seeding {trainees:,} trainees and {failed_jobs:,} failed jobs "
            f"into the bench sandbox",
            file=sys.stderr,
            flush=True,
        )
        seconds = _seed_command(urls, trainees, failed_jobs, force=True)
        marker.write_text(json.dumps(wanted))
        held_trainees, held_dead = _held(urls)
        return {
            "seeded": True,
            "seed_seconds": round(seconds, 1),
            "trainees": held_trainees,
            "dead": held_dead,
        }

    if held_trainees >= trainees and held_dead >= failed_jobs:
        return {"seeded": False, "trainees": held_trainees, "dead": held_dead}
    if held_trainees == 0 and held_dead == 0:
        seconds = _seed_command(urls, trainees, failed_jobs, force=False)
        held_trainees, held_dead = _held(urls)
        return {
            "seeded": True,
            "seed_seconds": round(seconds, 1),
            "trainees": held_trainees,
            "dead": held_dead,
        }
    return {
        "seeded": False,
        "trainees": held_trainees,
        "dead": held_dead,
        "note": (
            f"the given services hold {held_trainees:,} trainees and {held_dead:,} "
            f"dead jobs, less than asked for ({trainees:,} and {failed_jobs:,}); "
            "the bench seeds only empty services it did not start, so these "
            "figures are at the smaller scale"
        ),
    }


def _server_versions(engine: Any, redis_client: Any) -> dict[str, str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        postgres = conn.execute(text("show server_version")).scalar_one()
    redis_version = redis_client.info("server")["redis_version"]
    return {"postgresql": str(postgres), "redis": redis_version}


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _section(name: str, runner: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    print(f"... {name}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        figures = runner()
    except Exception as error:  # noqa: BLE001 - one broken section must not hide the rest
        log.exception("bench section %s failed", name)
        return {"error": f"{type(error).__name__}: {error}"}
    print(
        f"    {name} took {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return figures


def _cell_ms(value: Any) -> str:
    return f"{value:.2f}ms" if isinstance(value, int | float) else "-"


def table_lines(figures: dict[str, dict[str, Any]]) -> list[str]:
    """The printed table: one line per figure, notes under their figure."""
    lines = [
        f"{'figure':40} {'median':>11} {'p95':>11} {'limit':>11} {'ratio':>7}  target"
    ]
    for section, rows in figures.items():
        if "error" in rows:
            lines.append(f"{section:40} ERROR {rows['error']}")
            continue
        for name, row in rows.items():
            if not isinstance(row, dict):
                continue
            label = f"{section}.{name}"
            if "error" in row:
                lines.append(f"{label:40} ERROR {row['error']}")
                continue
            if "value_mb" in row:
                value = row["value_mb"]
                shown = f"{value:.1f}MB" if value is not None else "-"
                lines.append(
                    f"{label:40} {shown:>11} {'':>11} {'-':>11} {'-':>7}  "
                    f"{verdict(label, row)}"
                )
                continue
            if "median_ms" not in row:
                continue
            ratio = row.get("ratio")
            lines.append(
                f"{label:40} {_cell_ms(row['median_ms']):>11} "
                f"{_cell_ms(row.get('p95_ms')):>11} "
                f"{_cell_ms(row.get('bare_median_ms')):>11} "
                f"{(f'{ratio:.2f}x' if ratio is not None else '-'):>7}  "
                f"{verdict(label, row)}"
            )
            if row.get("note"):
                lines.append(f"{'':4}note: {row['note']}")
    missing = [label for label in TARGETS if _figure(figures, label) is None]
    for label in missing:
        why = (
            "indexes are built only in a database the bench created"
            if label.endswith("+index")
            else "a target names it"
        )
        lines.append(f"{label:40} NOT MEASURED ({why})")
    return lines


def _figure(figures: dict[str, dict[str, Any]], label: str) -> dict[str, Any] | None:
    section, _, name = label.partition(".")
    row = figures.get(section, {}).get(name)
    return row if isinstance(row, dict) and "error" not in row else None


def _quicken() -> None:
    """Fewer repetitions everywhere: a check that the bench works, not figures."""
    import comparison_bench
    import dqt_bench
    import export_bench
    import jobs_bench
    import search_bench

    search_bench.REPETITIONS = 20
    jobs_bench.REPEATS = 6
    jobs_bench.BULK_REPEATS = 3
    dqt_bench.ROUND_TRIPS = 60
    dqt_bench.WARM_UP = 10
    comparison_bench.REPETITIONS = 20
    export_bench.REPETITIONS = 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="20,000 trainees, 2,000 jobs, fewer repetitions: checks the bench works",
    )
    parser.add_argument("--trainees", type=int, default=None)
    parser.add_argument("--failed-jobs", type=int, default=None)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the bench sandbox (default bench/.data/full or bench/.data/quick)",
    )
    parser.add_argument(
        "--skip-seed", action="store_true", help="measure whatever is there"
    )
    parser.add_argument(
        "--launches", type=int, default=None, help="app launches (default 5, quick 3)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    scale = QUICK if args.quick else FULL
    trainees = args.trainees if args.trainees is not None else scale["trainees"]
    failed_jobs = (
        args.failed_jobs if args.failed_jobs is not None else scale["failed_jobs"]
    )
    launches = args.launches or (3 if args.quick else 5)
    data_dir = args.data_dir or BENCH_DIR / ".data" / (
        "quick" if args.quick else "full"
    )

    owned_dir: Path | None = None
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        urls = {
            k: os.environ.get(k, "")
            for k in ("DATABASE_URL", "REDIS_URL", "DQT_API_URL", "DQT_API_KEY")
        }
        where = "given services (DATABASE_URL, REDIS_URL)"
        if not urls["DQT_API_URL"]:
            # `triage` refuses to start with only some service URLs set.
            urls.update(_launch_simulator())
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        print(f"... bench sandbox in {data_dir}", file=sys.stderr, flush=True)
        urls = _sandbox_urls(data_dir)
        owned_dir = data_dir.resolve()
        where = f"bench sandbox in {data_dir}"

    if args.skip_seed:
        held_trainees, held_dead = _held(urls)
        seeding: dict[str, Any] = {
            "seeded": False,
            "trainees": held_trainees,
            "dead": held_dead,
        }
    else:
        seeding = _ensure_seeded(urls, trainees, failed_jobs, owned_dir=owned_dir)

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

    if args.quick:
        _quicken()
    jobs_bench.DEAD_JOBS = failed_jobs
    jobs_bench.BULK_JOBS = min(jobs_bench.BULK_JOBS, failed_jobs)

    load_before = os.getloadavg()
    started = time.perf_counter()
    figures: dict[str, dict[str, Any]] = {
        "search": _section(
            "search", lambda: search_bench.run(engine, owned=owned_dir is not None)
        ),
        "jobs": _section("jobs", lambda: jobs_bench.run(redis_client, engine)),
        "dqt": _section("dqt", dqt_bench.run),
        "comparison": _section(
            "comparison",
            lambda: comparison_bench.run(engine, urls, limited=not args.quick),
        ),
        "export": _section("export", lambda: export_bench.run(engine, redis_client)),
        "launch": _section("launch", lambda: launch_bench.run(urls, repeats=launches)),
        "launch_demo": _section(
            "launch on the demo sandbox",
            lambda: launch_bench.run(
                _sandbox_urls(BENCH_DIR / ".data" / "demo"), repeats=launches
            ),
        ),
    }
    load_after = os.getloadavg()

    report = {
        "where": where,
        "quick": args.quick,
        "asked": {"trainees": trainees, "failed_jobs": failed_jobs},
        "data": seeding,
        "machine": {
            "cores": os.cpu_count(),
            "memory_gb": _memory_gb(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            **_server_versions(engine, redis_client),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        },
        "run_seconds": round(time.perf_counter() - started, 1),
        "targets": TARGETS,
        "figures": figures,
    }
    engine.dispose()
    redis_client.close()

    print(
        f"{where}: {seeding['trainees']:,} trainees, {seeding['dead']:,} dead jobs"
        + (f" (seeded in {seeding['seed_seconds']} s)" if seeding.get("seeded") else "")
    )
    if seeding.get("note"):
        print(f"note: {seeding['note']}")
    print("\n".join(table_lines(figures)))
    machine = report["machine"]
    print(
        f"\nmachine: {machine['cores']} cores, {machine['memory_gb']} GB, "
        f"{machine['platform']}, Python {machine['python']}, "
        f"PostgreSQL {machine['postgresql']}, Redis {machine['redis']}; "
        f"load average (1/5/15 min) before {machine['loadavg_before']}, "
        f"after {machine['loadavg_after']}"
    )
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    name = "latest-quick.json" if args.quick else "latest.json"
    (results / name).write_text(json.dumps(report, indent=2, default=str))
    print(f"written: {results / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
