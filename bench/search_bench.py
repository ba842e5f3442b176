"""Trainee search and opening a trainee: the product's calls against the bare SQL.

For each figure the product's call is run once while its SQL is captured (the
statements and parameters SQLAlchemy hands to psycopg); the bare limit is those
same statements replayed through the raw psycopg connection with nothing
around them. Both run over many repetitions after a warm-up, cycling through
sample values taken from the table itself (TABLESAMPLE ... REPEATABLE, so the
same rows each run).

Register's DQT-era schema has indexes on trn and slug but none on names or
date of birth. This benchmark creates no index: the name and date-of-birth
figures are sequential scans, and the output says so and names the index that
would serve them.

    run(engine) -> {"trn": {...}, "slug": {...}, "last_name_prefix": {...},
                    "full_name": {...}, "date_of_birth": {...},
                    "open_trainee": {...}, "rows": N}
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.register.audits import trainee_timeline  # noqa: E402
from services.register.trainees import load_trainee, search  # noqa: E402

WARM_UP = 5
REPETITIONS = 60
SAMPLE_ROWS = 200

NAME_INDEX_NOTE = (
    "Register has no name index: sequential scan. An index on"
    " lower(last_name) text_pattern_ops (and lower(first_names)) would serve it;"
    " this product never creates indexes in a database it did not create"
)
DOB_INDEX_NOTE = (
    "Register has no index on date_of_birth: sequential scan. An index on"
    " date_of_birth would serve it; this product creates none"
)

Captured = list[tuple[str, Any]]


@contextmanager
def _capture(engine: Engine) -> Iterator[Captured]:
    """Collect every (statement, parameters) the engine sends while inside."""
    statements: Captured = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _measure(
    product: Callable[[], Any], bare: Callable[[], Any], distinct: int
) -> tuple[list[float], list[float]]:
    """Times of both calls, interleaved so that both see the same cache state.

    The warm-up runs every distinct sample through both first; then each
    repetition runs one of each, alternating which goes first.
    """
    for _ in range(max(WARM_UP, distinct)):
        product()
        bare()
    product_times: list[float] = []
    bare_times: list[float] = []
    for repetition in range(REPETITIONS):
        pair = [(product, product_times), (bare, bare_times)]
        if repetition % 2:
            pair.reverse()
        for call, times in pair:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
    return product_times, bare_times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _row(product: list[float], bare: list[float], **extra: Any) -> dict[str, Any]:
    median = statistics.median(product)
    bare_median = statistics.median(bare)
    return {
        "median_ms": round(median, 3),
        "p95_ms": round(_p95(product), 3),
        "bare_median_ms": round(bare_median, 3),
        "bare_p95_ms": round(_p95(bare), 3),
        "ratio": round(median / bare_median, 3) if bare_median > 0 else None,
        "repetitions": len(product),
        **extra,
    }


def _samples(conn: Connection, rows: int) -> list[dict[str, Any]]:
    """Deterministic sample rows with the fields the searches need."""
    percent = min(100.0, max(0.01, SAMPLE_ROWS * 400 / max(rows, 1)))
    result = conn.execute(
        text(
            "SELECT id, trn, slug, first_names, last_name, date_of_birth"
            f" FROM trainees TABLESAMPLE SYSTEM ({percent:.4f}) REPEATABLE (42)"
            " WHERE trn IS NOT NULL AND last_name IS NOT NULL"
            " AND first_names IS NOT NULL AND date_of_birth IS NOT NULL"
            f" LIMIT {SAMPLE_ROWS}"
        )
    ).mappings()
    return [dict(row) for row in result]


def _plan(raw: Any, statement: str, params: Any) -> str:
    """The scan nodes of the query's plan, e.g. "Index Scan using index_…"."""
    with raw.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, params)
        plan = cursor.fetchone()[0][0]["Plan"]

    scans: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") == "trainees" or "trainees" in str(
            node.get("Index Name", "")
        ):
            name = node["Node Type"]
            if node.get("Index Name"):
                name += f" using {node['Index Name']}"
            scans.append(name)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return ", ".join(scans) or plan["Node Type"]


def _replay(raw: Any, statements: Captured) -> Callable[[], None]:
    def run() -> None:
        with raw.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params)
                if cursor.description is not None:
                    cursor.fetchall()

    return run


def _search_figure(
    engine: Engine, conn: Connection, raw: Any, texts: list[str], note: str = ""
) -> dict[str, Any]:
    # Capture the one statement each sample search sends, to replay it bare.
    captured_searches: Captured = []
    for typed in texts:
        with _capture(engine) as captured:
            outcome = search(conn, typed)
        captured_searches.extend(s for s in captured if "FROM trainees" in s[0])
    if not captured_searches:
        return {"error": f"no query was sent for {outcome.query.label}"}
    replays = [_replay(raw, [statement]) for statement in captured_searches]

    product_cycle = iter(range(10**9))
    bare_cycle = iter(range(10**9))

    def product() -> None:
        search(conn, texts[next(product_cycle) % len(texts)])

    def bare() -> None:
        replays[next(bare_cycle) % len(replays)]()

    plan = _plan(raw, *captured_searches[0])
    extra: dict[str, Any] = {"plan": plan, "query_kind": outcome.query.kind}
    # The note about a missing index holds only while the plan scans.
    if note and "Seq Scan" in plan:
        extra["note"] = note
    elif note:
        extra["note"] = f"served by: {plan}"
    return _row(*_measure(product, bare, len(texts)), **extra)


def _open_figure(
    engine: Engine, conn: Connection, raw: Any, ids: list[int]
) -> dict[str, Any]:
    cycle = iter(range(10**9))

    def product() -> None:
        trainee_id = ids[next(cycle) % len(ids)]
        load_trainee(conn, trainee_id, today=date.today())
        trainee_timeline(conn, trainee_id)

    replays = []
    for trainee_id in ids:
        with _capture(engine) as captured:
            load_trainee(conn, trainee_id, today=date.today())
            trainee_timeline(conn, trainee_id)
        replays.append(_replay(raw, list(captured)))
    bare_cycle = iter(range(10**9))

    def bare() -> None:
        replays[next(bare_cycle) % len(replays)]()

    return _row(
        *_measure(product, bare, len(ids)),
        note="load_trainee + trainee_timeline: trainee with provider and schools,"
        " degrees, TRN request, own and associated audits",
    )


def run(engine: Engine) -> dict[str, Any]:
    """Measure every search kind and opening a trainee; returns the figures."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM trainees")).scalar_one()
        samples = _samples(conn, rows)
        if not samples:
            return {"error": "no trainees with TRN, names and date of birth to sample"}

        # The raw psycopg connection under the same pooled connection.
        raw = conn.connection.driver_connection

        # One sample value per kind; the first word of first names for names.
        cases: dict[str, tuple[list[str], str]] = {
            "trn": ([s["trn"] for s in samples], ""),
            "slug": ([s["slug"] for s in samples], ""),
            "last_name_prefix": (
                [s["last_name"][:3] for s in samples],
                NAME_INDEX_NOTE,
            ),
            "full_name": (
                [f"{s['first_names'].split()[0]} {s['last_name']}" for s in samples],
                NAME_INDEX_NOTE,
            ),
            "date_of_birth": (
                [s["date_of_birth"].strftime("%d/%m/%Y") for s in samples],
                DOB_INDEX_NOTE,
            ),
        }
        # Fewer distinct values for the slow scans keeps the run short.
        figures: dict[str, Any] = {"rows": rows}
        for name, (texts, note) in cases.items():
            chosen = texts if not note else texts[:20]
            figures[name] = _search_figure(engine, conn, raw, chosen, note)
        figures["open_trainee"] = _open_figure(
            engine, conn, raw, [s["id"] for s in samples[:50]]
        )
        conn.rollback()
    return figures


def main() -> int:
    import json
    import os

    from services.db import make_engine

    url = os.environ.get("DATABASE_URL")
    if not url:
        print("set DATABASE_URL to a seeded Register database", file=sys.stderr)
        return 2
    figures = run(make_engine(url))
    print(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
