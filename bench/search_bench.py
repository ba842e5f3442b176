"""Trainee search and opening a trainee: the product's calls against the bare SQL.

For each figure the product's call is run once while its SQL is captured (the
statements and parameters SQLAlchemy hands to psycopg); the bare limit is those
same statements replayed through the raw psycopg connection with nothing
around them. Both run over many repetitions after a warm-up, cycling through
sample values taken from the table itself (TABLESAMPLE ... REPEATABLE, so the
same rows each run).

Register's DQT-era schema has indexes on trn and slug but none on names or
date of birth. The name and date-of-birth figures are first measured without
them (sequential scans, as on Register's real database), and the output says so
and names the index that would serve them. Only on a database the bench created
itself (`owned=True`) are those indexes then built, the same searches measured
again as `<figure>+index` rows, with the plan PostgreSQL picks for the product's
statement both with its values (custom plan) and without (the generic plan a
prepared statement may switch to), and the indexes dropped again.

    run(engine, owned=False) -> {"trn": {...}, "slug": {...},
                    "last_name_prefix": {...}, "full_name": {...},
                    "date_of_birth": {...}, "open_trainee": {...}, "rows": N,
                    and with owned=True "last_name_prefix+index", ...}
"""

from __future__ import annotations

import logging
import re
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

# The indexes Register lacks, built only in a database the bench created.
BENCH_INDEXES = {
    "bench_trainees_lower_last_name": (
        "CREATE INDEX bench_trainees_lower_last_name"
        " ON trainees (lower(last_name) text_pattern_ops)"
    ),
    "bench_trainees_lower_first_names": (
        "CREATE INDEX bench_trainees_lower_first_names"
        " ON trainees (lower(first_names) text_pattern_ops)"
    ),
    "bench_trainees_date_of_birth": (
        "CREATE INDEX bench_trainees_date_of_birth ON trainees (date_of_birth)"
    ),
}
INDEXED_KINDS = ("last_name_prefix", "full_name", "date_of_birth")

log = logging.getLogger(__name__)

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
    return _scans(plan)


def _numbered(statement: str) -> str:
    """The statement with `%(name)s` placeholders as PostgreSQL's `$1`, `$2`...,
    numbered in order of first appearance, as psycopg sends them."""
    numbered: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return "$" + str(numbered.setdefault(match.group(1), len(numbered) + 1))

    return re.sub(r"%\((\w+)\)s", number, statement)


def _plans_used(raw: Any, statement: str) -> dict[str, int] | None:
    """How often PostgreSQL planned the prepared statement generically or with
    its values, on this connection (None when psycopg never prepared it)."""
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement = %s",
            (_numbered(statement),),
        )
        found = cursor.fetchone()
    return {"generic": found[0], "custom": found[1]} if found else None


def _generic_plan(raw: Any, statement: str) -> str:
    """The plan of the statement with its values unknown: what a prepared
    statement runs once PostgreSQL switches it to a generic plan (psycopg
    prepares a statement on its fifth execution on a connection)."""
    sql = _numbered(statement)
    try:
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (GENERIC_PLAN, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0][0]["Plan"]
    except Exception as error:  # noqa: BLE001 - PostgreSQL before 16 has no GENERIC_PLAN
        raw.rollback()
        return f"unknown ({type(error).__name__})"
    return _scans(plan)


def _scans(plan: dict[str, Any]) -> str:
    """The nodes of a JSON plan that read the trainees table, outermost first."""
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
    generic = _generic_plan(raw, captured_searches[0][0])
    extra: dict[str, Any] = {
        "plan": plan,
        "generic_plan": generic,
        "query_kind": outcome.query.kind,
    }
    # The note about a missing index holds only while the plan scans.
    if note and "Seq Scan" in plan:
        extra["note"] = note
    elif note:
        extra["note"] = f"served by: {plan}; generic plan: {generic}"
    row = _row(*_measure(product, bare, len(texts)), **extra)
    # Which plans the measured executions actually ran (product and bare share
    # this connection, so its prepared statement).
    row["plans_used"] = _plans_used(raw, captured_searches[0][0])
    return row


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


def _cases(samples: list[dict[str, Any]]) -> dict[str, tuple[list[str], str]]:
    """Typed texts per figure, from the sample rows, with the missing-index note.

    Fewer distinct values for the scans keeps the run short.
    """
    return {
        "trn": ([s["trn"] for s in samples], ""),
        "slug": ([s["slug"] for s in samples], ""),
        "last_name_prefix": (
            [s["last_name"][:3] for s in samples[:20]],
            NAME_INDEX_NOTE,
        ),
        "full_name": (
            [f"{s['first_names'].split()[0]} {s['last_name']}" for s in samples[:20]],
            NAME_INDEX_NOTE,
        ),
        "date_of_birth": (
            [s["date_of_birth"].strftime("%d/%m/%Y") for s in samples[:20]],
            DOB_INDEX_NOTE,
        ),
    }


def _measure_searches(
    engine: Engine, cases: dict[str, tuple[list[str], str]], suffix: str = ""
) -> dict[str, Any]:
    """One figure per case, on a connection of its own (so that statements it
    prepares are planned with the indexes that exist now)."""
    figures: dict[str, Any] = {}
    with engine.connect() as conn:
        # The raw psycopg connection under the same pooled connection.
        raw = conn.connection.driver_connection
        for name, (texts, note) in cases.items():
            figures[name + suffix] = _search_figure(engine, conn, raw, texts, note)
        conn.rollback()
    return figures


def _drop_bench_indexes(engine: Engine) -> None:
    with engine.begin() as conn:
        for name in BENCH_INDEXES:
            conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))


def _with_indexes(
    engine: Engine, cases: dict[str, tuple[list[str], str]]
) -> dict[str, Any]:
    """The scan figures again with Register's missing indexes, dropped after."""
    _drop_bench_indexes(engine)  # left over from an interrupted run
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            for statement in BENCH_INDEXES.values():
                conn.execute(text(statement))
            conn.execute(text("ANALYZE trainees"))
        log.info("bench indexes built in %.1fs", time.perf_counter() - started)
        chosen = {name: (cases[name][0], "") for name in INDEXED_KINDS}
        figures = _measure_searches(engine, chosen, suffix="+index")
    finally:
        _drop_bench_indexes(engine)
    for name in INDEXED_KINDS:
        row = figures[name + "+index"]
        if "error" in row:
            continue
        row["note"] = (
            "with an index Register does not have (built for this run, dropped"
            f" after); plan: {row['plan']}; generic plan: {row['generic_plan']};"
            f" plans run: {row['plans_used']}"
        )
    return figures


def run(engine: Engine, *, owned: bool = False) -> dict[str, Any]:
    """Measure every search kind and opening a trainee; returns the figures.

    `owned` says the database was created by the bench itself: only then are the
    indexes Register lacks built (and dropped again) for the `+index` figures.
    """
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM trainees")).scalar_one()
        samples = _samples(conn, rows)
        conn.rollback()
    if not samples:
        return {"error": "no trainees with TRN, names and date of birth to sample"}

    cases = _cases(samples)
    figures: dict[str, Any] = {"rows": rows}
    figures.update(_measure_searches(engine, cases))
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        figures["open_trainee"] = _open_figure(
            engine, conn, raw, [s["id"] for s in samples[:50]]
        )
        conn.rollback()
    if owned:
        figures.update(_with_indexes(engine, cases))
    else:
        figures["indexes"] = {
            "note": "not built: the database was not created by the bench"
        }
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
