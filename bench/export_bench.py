"""Export of 100,000 rows: time and peak memory, beside the bare query written as CSV.

The product's export (`services.export.export_to_file`: server-side cursor, rows
made and written one by one, Sidekiq read once) runs for the larger of the
pending-TRN and pending-award lists, up to 100,000 rows, as CSV and as JSON. The
bare limit is the same SELECT through a raw psycopg server-side cursor written with
`csv.writer` and nothing else. Peak memory is measured with `tracemalloc` in a
separate run (tracing slows Python down, so it is not timed) and the process's
maximum RSS is reported too.

    run(engine, redis) -> {"csv": {...}, "json": {...}, "rows": N, "what": ...}

Standalone, against a throw-away embedded PostgreSQL and Redis seeded with 100,000
trainees submitted for TRN:

    python bench/export_bench.py --embedded /tmp/export-bench
"""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from services import monitors  # noqa: E402
from services.export import ExportRequest, count_rows, export_to_file  # noqa: E402

TARGET_ROWS = 100_000
REPETITIONS = 3


def _pick(engine: Engine) -> tuple[str, int]:
    """The pending list with more rows (pending TRNs on a tie), and its size."""
    sizes = {
        what: count_rows(engine, ExportRequest(what))  # type: ignore[arg-type]
        for what in ("pending-trns", "pending-awards")
    }
    what = max(sizes, key=lambda name: (sizes[name] or 0, name == "pending-trns"))
    return what, min(sizes[what] or 0, TARGET_ROWS)


def _product(
    engine: Engine, redis_client: Any, request: ExportRequest, folder: Path
) -> float:
    started = time.perf_counter()
    export_to_file(
        engine,
        redis_client,
        request,
        folder / f"product.{request.format}",
        today=date.today(),
    )
    return (time.perf_counter() - started) * 1000


def _bare(engine: Engine, what: str, limit: int, folder: Path) -> float:
    """The same SELECT through psycopg's server-side cursor, straight to csv."""
    statement = (
        monitors.pending_trn_select()
        if what == "pending-trns"
        else monitors.pending_award_select()
    ).limit(limit)
    sql = str(
        statement.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        with raw.cursor(name="bare_export") as cursor:  # type: ignore[call-arg]
            cursor.itersize = 1000
            cursor.execute(sql)
            with (folder / "bare.csv").open("w", newline="") as out:
                writer = csv.writer(out)
                writer.writerows(cursor)
    finally:
        raw.close()
    return (time.perf_counter() - started) * 1000


def _peak_memory_mb(
    engine: Engine, redis_client: Any, request: ExportRequest, folder: Path
) -> float:
    tracemalloc.start()
    try:
        export_to_file(
            engine,
            redis_client,
            request,
            folder / f"traced.{request.format}",
            today=date.today(),
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024 / 1024


def _figure(
    engine: Engine, redis_client: Any, what: str, rows: int, fmt: str, folder: Path
) -> dict[str, Any]:
    request = ExportRequest(what, fmt, limit=rows)  # type: ignore[arg-type]
    _product(engine, redis_client, request, folder)  # warm-up
    timings = [
        _product(engine, redis_client, request, folder) for _ in range(REPETITIONS)
    ]
    bare = [_bare(engine, what, rows, folder) for _ in range(REPETITIONS)]
    median = statistics.median(timings)
    bare_median = statistics.median(bare)
    return {
        "median_ms": median,
        "p95_ms": max(timings),
        "bare_median_ms": bare_median,
        "ratio": median / bare_median if bare_median else None,
        "rows": rows,
        "rows_per_second": rows / (median / 1000) if median else None,
        "peak_memory_mb": _peak_memory_mb(engine, redis_client, request, folder),
        "note": (
            f"{what} as {fmt}; bare = same SELECT through psycopg to csv.writer; "
            f"p95 = slowest of {REPETITIONS}"
        ),
    }


def run(engine: Engine, redis_client: Any) -> dict[str, Any]:
    what, rows = _pick(engine)
    result: dict[str, Any] = {"what": what, "rows": rows}
    if rows < TARGET_ROWS:
        result["note"] = (
            f"only {rows:,} rows in {what}: the target is {TARGET_ROWS:,} "
            "(run with --embedded to seed a throw-away database)"
        )
    if rows == 0:
        return result
    with tempfile.TemporaryDirectory(prefix="export-bench-") as name:
        folder = Path(name)
        result["csv"] = _figure(engine, redis_client, what, rows, "csv", folder)
        result["json"] = _figure(engine, redis_client, what, rows, "json", folder)
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


# --- standalone: a throw-away embedded database -------------------------------------


def seed_pending_trns(engine: Engine, count: int) -> None:
    """`count` trainees submitted for TRN with TRN requests, made inside PostgreSQL."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO providers (id, name, ukprn, code, created_at, updated_at) "
                "VALUES (1, 'Bench SCITT', '10009999', 'B1', now(), now())"
            )
        )
        conn.execute(
            text(
                "INSERT INTO trainees (id, slug, first_names, last_name, "
                "date_of_birth, provider_id, state, training_route, itt_start_date, "
                "itt_end_date, course_min_age, course_max_age, course_subject_one, "
                "submitted_for_trn_at, created_at, updated_at) "
                "SELECT g, 'benchslug' || g, 'First' || g, 'Last' || g, "
                "date '1990-01-01' + (g % 3000), 1, 1, g % 13, date '2026-09-01', "
                "date '2027-07-31', 11, 16, 'Mathematics', "
                "now() - (g % 30) * interval '1 day', now(), now() "
                "FROM generate_series(1, :count) AS g"
            ),
            {"count": count},
        )
        conn.execute(
            text(
                "INSERT INTO dqt_trn_requests (id, trainee_id, request_id, state, "
                "created_at, updated_at) "
                "SELECT g, g, md5(g::text)::uuid, 0, "
                "now() - (g % 30) * interval '1 day', now() "
                "FROM generate_series(1, :count) AS g"
            ),
            {"count": count},
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--embedded",
        type=Path,
        required=True,
        help="a new folder for a throw-away PostgreSQL and Redis",
    )
    args = parser.parse_args(argv)

    import json

    import redis

    from sandbox import servers
    from services.db import make_engine
    from services.register import schema

    args.embedded.mkdir(parents=True, exist_ok=True)
    engine = make_engine(servers.start_postgres(args.embedded))
    redis_client = redis.Redis.from_url(servers.start_redis(args.embedded))
    try:
        schema.drop_schema(engine)
        schema.create_schema(engine)
        seed_pending_trns(engine, TARGET_ROWS)
        print(json.dumps(run(engine, redis_client), indent=2))
    finally:
        engine.dispose()
        redis_client.close()
        servers.stop_redis(args.embedded)
        servers.stop_postgres(args.embedded)
    return 0


if __name__ == "__main__":
    sys.exit(main())
