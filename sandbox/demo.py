"""Deterministic demo data: every playbook case across Register, DQT and Sidekiq.

Entry points:
- `seed_demo(engine, redis_client, today=..., sidekiq_major="6") -> DemoSummary`
  writes Register's rows into an existing (empty) Register schema and the Sidekiq
  entries into Redis.
- `demo_dqt_state(today) -> dict` is the DQT simulator's state JSON for the same
  people; `demo_simulator_state(today)` gives it as the simulator's model.
- `demo_institutions()` is the synthetic degree-institution list the demo's
  degrees point at (`sandbox/institutions.json`).
- `PLAYBOOK_TRAINEES` maps each playbook case to its trainee's id and slug.

Same `today` and version in, same rows, members and state out: names, slugs,
TRNs, jids and job ids come from fixed seeds, moments from `today`. Every person
is invented. See `demo_cases` for who is who.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from dqt.simulator.state import SimulatorState
from sandbox.demo_cases import (
    MISSING_TRAINEE_ID,
    PLAYBOOK_TRAINEES,
    PlaybookTrainee,
    TraineeSpec,
    demo_trainees,
)
from sandbox.demo_dqt import DQT_CLIENT, simulator_state
from sandbox.demo_reference import institutions
from sandbox.demo_register import iter_tables, trainee_rows
from sandbox.demo_sidekiq import (
    captured_members,
    generated_members,
    load_members,
)
from services.register import schema
from services.sidekiq.wire import SidekiqMajor

log = logging.getLogger(__name__)

__all__ = [
    "DQT_CLIENT",
    "MISSING_TRAINEE_ID",
    "PLAYBOOK_TRAINEES",
    "DemoSummary",
    "PlaybookTrainee",
    "demo_dqt_state",
    "demo_institutions",
    "demo_simulator_state",
    "seed_demo",
]

# Tables whose ids the demo sets itself; their sequences move past them.
_SEQUENCED_TABLES = (
    "providers",
    "schools",
    "users",
    "trainees",
    "degrees",
    "dqt_trn_requests",
    "audits",
)


@dataclass(frozen=True)
class DemoSummary:
    providers: int
    schools: int
    users: int
    trainees: int
    degrees: int
    dqt_trn_requests: int
    audits: int
    retry: int
    dead: int
    schedule: int
    queued: int


def _specs() -> list[TraineeSpec]:
    return demo_trainees()


def demo_institutions() -> list[dict[str, Any]]:
    """The synthetic degree institutions (id = `degrees.institution_uuid`)."""
    return institutions()


def demo_simulator_state(today: date) -> SimulatorState:
    return simulator_state(_specs(), today)


def demo_dqt_state(today: date) -> dict[str, Any]:
    """The DQT simulator's state JSON for the demo (no API keys; add your own)."""
    built = demo_simulator_state(today)
    log.info(
        "demo DQT state for %s: %d teachers, %d TRN requests",
        today.isoformat(),
        len(built.teachers),
        len(built.trn_requests),
    )
    state: dict[str, Any] = built.model_dump(mode="json")
    return state


def _reset_sequences(connection: Any) -> None:
    for table in _SEQUENCED_TABLES:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" GREATEST((SELECT max(id) FROM {table}), 1))"
            )
        )


def seed_demo(
    engine: Engine,
    redis_client: Any,
    *,
    today: date,
    sidekiq_major: SidekiqMajor = "6",
) -> DemoSummary:
    """Load the demo into an empty Register schema and an empty Redis database."""
    specs = _specs()
    rows = trainee_rows(specs, today)

    with engine.begin() as connection:
        for table_name, table_rows in iter_tables(rows):
            if table_rows:
                connection.execute(
                    schema.metadata.tables[table_name].insert(), table_rows
                )
        _reset_sequences(connection)

    members = captured_members() + generated_members(
        specs, today=today, major=sidekiq_major
    )
    load_members(redis_client, members)

    def count(key: str) -> int:
        return sum(1 for member in members if member.key == key)

    summary = DemoSummary(
        providers=len(rows.providers),
        schools=len(rows.schools),
        users=len(rows.users),
        trainees=len(rows.trainees),
        degrees=len(rows.degrees),
        dqt_trn_requests=len(rows.dqt_trn_requests),
        audits=len(rows.audits),
        retry=count("retry"),
        dead=count("dead"),
        schedule=count("schedule"),
        queued=count("queue:dqt"),
    )
    log.info("demo seeded for %s: %s", today.isoformat(), summary)
    return summary
