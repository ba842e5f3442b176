"""The Register / DQT comparison: one trainee, and 500 at once under the rate limiter.

The trainees are Register's first 500 with a TRN, loaded from PostgreSQL. DQT is a
simulator this module starts on loopback for the run, holding one teacher per
trainee (same TRN, names, date of birth and provider), so that every look-up finds
its teacher and the whole comparison runs. It is not the sandbox's simulator: that
one keeps DQT's own 300-a-minute limit across every caller, so one figure's
requests would hold back the next figure's.

One trainee: `compare_trainee` (load from PostgreSQL excluded, DQT look-up and the
field-by-field comparison included) against the bare limit, the same GET sent with
a plain httpx client.

500 trainees: `compare_trainees` through one client held to DQT's production limit
of 300 requests a minute by its own limiter. The physical floor is the limiter's
window: 500 requests at 300 a minute cannot finish before one full minute has
passed, so the ratio is against that floor. The same batch with the limit lifted
shows what the simulator and the client cost on their own.

    run(engine, urls, limited=True) -> {"one_trainee": {...},
                          "batch_500_unlimited": {...}, "batch_500_limited": {...}}
"""

from __future__ import annotations

import asyncio
import logging
import math
import statistics
import time
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from dqt.client import DqtClient
from dqt.simulator.server import run_in_thread
from dqt.simulator.state import (
    ApiKey,
    IttRecord,
    Organisation,
    SimulatorState,
    Teacher,
)
from services.comparison import compare_trainee, compare_trainees
from services.register.schema import trainees
from services.register.trainees import load_trainee

WARM_UP = 5
REPETITIONS = 50
BATCH = 500
PRODUCTION_LIMIT = 300
API_KEY = "bench-comparison-key"


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000}


def _records(engine: Engine, count: int, today: date) -> list[Any]:
    """Trainees with a TRN, lowest ids first (the demo trainees DQT knows)."""
    with engine.connect() as conn:
        ids = conn.execute(
            select(trainees.c.id)
            .where(trainees.c.trn.is_not(None))
            .order_by(trainees.c.id)
            .limit(count)
        ).scalars()
        return [load_trainee(conn, trainee_id=i, today=today) for i in ids]


async def _one_trainee(record: Any, url: str, key: str, today: date) -> dict[str, Any]:
    async with DqtClient(url, key) as client:
        for _ in range(WARM_UP):
            await compare_trainee(record, client, today=today)
        product = []
        for _ in range(REPETITIONS):
            started = time.perf_counter()
            await compare_trainee(record, client, today=today)
            product.append(time.perf_counter() - started)

    path = f"/v2/teachers/{record.trn}"
    params = {"birthdate": record.date_of_birth.isoformat(), "includeInactive": "true"}
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as bare_client:
        for _ in range(WARM_UP):
            await bare_client.get(path, params=params)
        bare = []
        for _ in range(REPETITIONS):
            started = time.perf_counter()
            await bare_client.get(path, params=params)
            bare.append(time.perf_counter() - started)

    row = _ms(product)
    bare_row = _ms(bare)
    row["bare_median_ms"] = bare_row["median_ms"]
    row["ratio"] = row["median_ms"] / bare_row["median_ms"]
    return row


async def _batch(
    records: list[Any], url: str, key: str, today: date, limit: int
) -> dict[str, Any]:
    async with DqtClient(url, key, requests_per_minute=limit) as client:
        started = time.perf_counter()
        results = await compare_trainees(records, client, today=today)
        elapsed = time.perf_counter() - started
    outcomes: dict[str, int] = {}
    for result in results:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    return {
        "median_ms": elapsed * 1000,
        "p95_ms": elapsed * 1000,
        "trainees": len(records),
        "outcomes": outcomes,
    }


def _state(records: list[Any]) -> SimulatorState:
    """One DQT teacher per trainee, as DQT would hold a trainee it knows."""
    teachers = []
    organisations: dict[str, Organisation] = {}
    for record in records:
        provider = record.provider
        ukprn = provider.ukprn if provider and provider.ukprn else None
        if ukprn and ukprn not in organisations:
            name = provider.name or "Provider"
            organisations[ukprn] = Organisation(ukprn=ukprn, name=name)
        teachers.append(
            Teacher(
                trn=record.trn,
                first_name=(record.first_names or "-").split()[0],
                middle_name=record.middle_names,
                last_name=record.last_name or "-",
                date_of_birth=record.date_of_birth,
                slug_id=record.slug,
                itt=[IttRecord(provider_ukprn=ukprn, slug_id=record.slug)],
            )
        )
    return SimulatorState(
        api_keys=[ApiKey(key=API_KEY, client="bench")],
        organisations=list(organisations.values()),
        teachers=teachers,
    )


def run(
    engine: Engine, urls: dict[str, str] | None = None, *, limited: bool = True
) -> dict[str, Any]:
    """The figures; `limited=False` leaves out the batch at the production limit,
    which cannot take less than a minute. `urls` is unused: DQT is a simulator of
    this module's own."""
    # One log line per look-up would swamp the figures' own output.
    logging.getLogger("dqt").setLevel(logging.WARNING)
    logging.getLogger("services.comparison").setLevel(logging.WARNING)
    today = date.today()
    records = [
        r
        for r in _records(engine, BATCH, today)
        if r is not None and r.date_of_birth is not None
    ]
    if not records:
        return {"error": "no trainee with a TRN and a date of birth to compare"}

    # The server's own limit lifted: the client's limiter is what is measured.
    simulator = run_in_thread(_state(records), rate_limit_per_minute=10**9)
    url, key = simulator.url, API_KEY
    try:
        figures: dict[str, Any] = {
            "one_trainee": asyncio.run(_one_trainee(records[0], url, key, today))
        }
        unlimited = asyncio.run(_batch(records, url, key, today, limit=10**9))
        unlimited["note"] = (
            f"{len(records)} comparisons at once, no rate limit; outcomes "
            f"{unlimited['outcomes']}"
        )
        figures["batch_500_unlimited"] = unlimited
        if not limited:
            return figures
        limited_batch = asyncio.run(
            _batch(records, url, key, today, limit=PRODUCTION_LIMIT)
        )
    finally:
        simulator.stop()

    # Under a sliding window of 300 a minute the last request of 500 cannot leave
    # before one minute has passed: that minute is the floor.
    floor_ms = (math.ceil(len(records) / PRODUCTION_LIMIT) - 1) * 60_000
    if floor_ms:
        limited_batch["bare_median_ms"] = floor_ms
        limited_batch["ratio"] = limited_batch["median_ms"] / floor_ms
    limited_batch["note"] = (
        f"{len(records)} comparisons at {PRODUCTION_LIMIT}/min; floor = the "
        f"limiter's one-minute window; outcomes {limited_batch['outcomes']}"
    )
    figures["batch_500_limited"] = limited_batch
    return figures
