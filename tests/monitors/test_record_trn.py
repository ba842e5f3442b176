"""The record_trn fix: a TRN DQT issued, recorded as Register's RetrieveTrnJob does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from monitor_rows import add_provider, add_trainee, add_trn_request, dqt_trn_request
from sqlalchemy import select, update

from dqt.simulator.state import ApiKey, SimulatorState, Teacher
from services import fixes
from services.fixes.base import FixContext
from services.fixes.text import preview_lines
from services.journal import Journal
from services.register.schema import audits, dqt_trn_requests, trainees

KEY = "record-trn-key"
BIRTH = date(1990, 5, 2)
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def dqt(make_simulator: Any) -> Any:
    issued = Teacher(
        trn="3000031",
        first_name="Cy",
        last_name="Dee",
        date_of_birth=BIRTH,
        email_address="cy.dee@example.com",
    )
    waiting = Teacher(trn=None, first_name="Di", last_name="Eve", date_of_birth=BIRTH)
    return make_simulator(
        SimulatorState(
            api_keys=[ApiKey(key=KEY, client="register")],
            teachers=[issued, waiting],
            trn_requests=[
                dqt_trn_request(1031, issued),
                dqt_trn_request(1032, waiting),
            ],
        )
    )


@pytest.fixture
def context(engine: Any, redis_client: Any, data_dir: Path, dqt: Any) -> FixContext:
    add_provider(engine)
    for trainee_id, request in ((31, 1031), (32, 1032)):
        add_trainee(
            engine,
            trainee_id,
            state=1,
            date_of_birth=BIRTH,
            submitted_for_trn_at=datetime(2026, 12, 1, 10),
        )
        add_trn_request(engine, request, trainee_id, datetime(2026, 12, 1, 10))
    return FixContext(
        engine=engine,
        redis=redis_client,
        journal=Journal(data_dir / "journal.jsonl"),
        operator="Ada Tester",
        writes_enabled=True,
        dqt_base_url=dqt.url,
        dqt_api_key=KEY,
        clock=lambda: NOW,
    )


def test_records_the_trn_as_registers_job_would(
    context: FixContext, engine: Any
) -> None:
    preview = fixes.preview(context, "record_trn", "31")
    assert preview.blocked is None
    assert [c.describe() for c in preview.db_changes] == [
        "state: submitted for TRN -> TRN received",
        "trn: not set -> 3000031",
    ]
    assert [(c.column, c.old, c.new) for c in preview.db_changes] == [
        ("state", 1, 2),
        ("trn", None, "3000031"),
    ]
    assert [w.describe() for w in preview.related_writes] == [
        "dqt_trn_requests 1031 state: requested -> received"
    ]
    # The headless preview shows the TRN request's change with the trainee's.
    shown = preview_lines(preview)
    database = shown.index("database changes:")
    assert shown[database + 1 : database + 4] == [
        "  state: submitted for TRN -> TRN received",
        "  trn: not set -> 3000031",
        "  dqt_trn_requests 1031 state: requested -> received",
    ]

    outcome = fixes.apply(context, preview, comment="TRN issued by DQT, Zendesk 77")
    assert outcome.status == "applied", outcome.summary

    with engine.connect() as conn:
        trainee = conn.execute(select(trainees).where(trainees.c.id == 31)).one()
        request = conn.execute(
            select(dqt_trn_requests).where(dqt_trn_requests.c.id == 1031)
        ).one()
        audit = conn.execute(select(audits).where(audits.c.auditable_id == 31)).one()
    assert (trainee.state, trainee.trn) == (2, "3000031")
    assert request.state == 1
    assert audit.audited_changes == {"state": [1, 2], "trn": [None, "3000031"]}
    assert audit.comment == "TRN issued by DQT, Zendesk 77"
    assert audit.username == "Ada Tester via register-triage"

    [entry] = context.journal.read()
    assert entry.action == "fix:record_trn"
    assert entry.outcome == "applied"
    assert entry.detail["related_writes"] == [
        {
            "table": "dqt_trn_requests",
            "id": 1031,
            "change": "dqt_trn_requests 1031 state: requested -> received",
        }
    ]
    assert preview.to_dict()["related_writes"] == entry.detail["related_writes"]
    assert "database: dqt_trn_requests 1031 state: requested -> received" in (
        outcome.done
    )


def test_blocked_while_dqt_has_no_trn(context: FixContext) -> None:
    preview = fixes.preview(context, "record_trn", "32")
    assert preview.blocked == "DQT has no TRN for this request yet (status Pending)"
    assert preview.db_changes == ()
    refused = fixes.apply(context, preview, comment="try")
    assert refused.status == "refused"


def test_refused_when_the_request_changed_since_the_preview(
    context: FixContext, engine: Any
) -> None:
    preview = fixes.preview(context, "record_trn", "31")
    with engine.begin() as conn:
        conn.execute(
            update(dqt_trn_requests)
            .where(dqt_trn_requests.c.id == 1031)
            .values(state=1)
        )
    outcome = fixes.apply(context, preview, comment="late")
    assert outcome.status == "refused"
    assert "dqt_trn_requests.state changed from 0 to 1" in outcome.summary
    with engine.connect() as conn:
        trainee = conn.execute(select(trainees).where(trainees.c.id == 31)).one()
    assert (trainee.state, trainee.trn) == (1, None)


def test_refused_when_writes_are_off(context: FixContext) -> None:
    context.writes_enabled = False
    preview = fixes.preview(context, "record_trn", "31")
    outcome = fixes.apply(context, preview, comment="no writes")
    assert outcome.status == "refused"
    assert outcome.summary.startswith("writes are disabled")


def test_reregister_is_refused_when_dqt_already_has_the_trainee(
    context: FixContext, engine: Any
) -> None:
    """A second TRN request for a person DQT holds makes a duplicate teacher
    that only the DQT team can undo: the preview refuses, saying why."""
    completed = fixes.preview(context, "reregister_for_trn", "31")
    assert "GET /v2/trn-requests/{requestId}" in completed.dqt_calls
    assert not completed.redis_changes
    outcome = fixes.apply(context, completed, comment="try anyway")
    assert outcome.status == "refused"
    assert completed.blocked == (
        "DQT has already completed TRN request 1031 (status Completed, TRN "
        "3000031): DQT already has the trainee, so registering again would create "
        "a duplicate; use record_trn instead"
    )

    pending = fixes.preview(context, "reregister_for_trn", "32")
    assert pending.blocked is None
    assert not any("duplicate" in warning for warning in pending.warnings)

    # No TRN request, but DQT's find holds a person with the same name and birth.
    add_trainee(
        engine,
        33,
        first_names="Cy",
        last_name="Dee",
        date_of_birth=BIRTH,
        email="cy.dee@example.com",
    )
    found = fixes.preview(context, "reregister_for_trn", "33")
    assert found.blocked == (
        "DQT's find already has this trainee (TRN 3000031): registering again "
        "would create a duplicate person; use record_trn or restart_trn_polling "
        "instead"
    )
    assert any(call.startswith("GET /v2/teachers/find") for call in found.dqt_calls)


def test_update_without_a_trn_offers_recording_the_trn_first() -> None:
    from services.playbook import CASES

    assert CASES["update_missing_trn"].fixes == (
        "record_trn",
        "restart_trn_polling",
        "reregister_for_trn",
    )
