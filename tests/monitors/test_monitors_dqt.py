"""DQT look-ups for the monitors and exports, over real HTTP against the simulator."""

from __future__ import annotations

import csv
import io
import json
import socket
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from monitor_rows import add_provider, add_trainee, add_trn_request, dqt_trn_request

from dqt.client import DqtClient
from dqt.simulator.state import ApiKey, IttRecord, SimulatorState, Teacher
from services import monitors
from services.export import DqtLookup, ExportRequest, export_to_text

TODAY = date(2026, 12, 4)
KEY = "monitor-test-key"
BIRTH = date(1990, 5, 2)
UKPRN = "10001234"


@pytest.fixture
def dqt(make_simulator: Any) -> Any:
    """DQT with: an awarded teacher, a teacher in training, two TRN requests."""
    awarded = Teacher(
        trn="3000021",
        first_name="Ada",
        last_name="Byron",
        date_of_birth=BIRTH,
        qts_date=date(2026, 11, 28),
        itt=[
            IttRecord(
                provider_ukprn=UKPRN,
                programme_type="ProviderLedPostgrad",
                result="Pass",
            )
        ],
    )
    in_training = Teacher(
        trn="3000022", first_name="Bea", last_name="Cole", date_of_birth=BIRTH
    )
    has_trn = Teacher(
        trn="3000031", first_name="Cy", last_name="Dee", date_of_birth=BIRTH
    )
    waiting = Teacher(trn=None, first_name="Di", last_name="Eve", date_of_birth=BIRTH)
    state = SimulatorState(
        api_keys=[ApiKey(key=KEY, client="register")],
        teachers=[awarded, in_training, has_trn, waiting],
        trn_requests=[
            dqt_trn_request(1031, has_trn),
            dqt_trn_request(1032, waiting),
        ],
    )
    return make_simulator(state)


@pytest.fixture
def register_rows(engine: Any) -> None:
    add_provider(engine, ukprn=UKPRN)
    add_trainee(
        engine,
        21,
        state=3,
        trn="3000021",
        date_of_birth=BIRTH,
        recommended_for_award_at=datetime(2026, 11, 20, 9),
    )
    add_trainee(
        engine,
        22,
        state=3,
        trn="3000022",
        date_of_birth=BIRTH,
        training_route=8,
        recommended_for_award_at=datetime(2026, 11, 21, 9),
    )
    add_trainee(
        engine,
        23,
        state=3,
        trn="3999999",
        date_of_birth=BIRTH,
        recommended_for_award_at=datetime(2026, 11, 22, 9),
    )
    add_trainee(
        engine,
        24,
        state=3,
        trn=None,
        date_of_birth=BIRTH,
        recommended_for_award_at=datetime(2026, 11, 23, 9),
    )
    for trainee_id, request in ((31, 1031), (32, 1032), (33, 1033)):
        add_trainee(
            engine,
            trainee_id,
            state=1,
            date_of_birth=BIRTH,
            submitted_for_trn_at=datetime(2026, 12, 1, 10),
        )
        add_trn_request(engine, request, trainee_id, datetime(2026, 12, 1, 10))


def rows_by_id(engine: Any, redis_client: Any, what: str) -> dict[int, Any]:
    with engine.connect() as conn:
        if what == "awards":
            found: list[Any] = monitors.pending_awards(conn, redis_client, today=TODAY)
        else:
            found = monitors.pending_trns(conn, redis_client, today=TODAY)
    return {row.trainee.id: row for row in found}


async def test_check_award_in_dqt(
    engine: Any, redis_client: Any, register_rows: None, dqt: Any
) -> None:
    awards = rows_by_id(engine, redis_client, "awards")
    async with DqtClient(dqt.url, KEY) as client:
        checks = {
            trainee_id: await monitors.check_award_in_dqt(client, row.trainee)
            for trainee_id, row in awards.items()
        }

    assert checks[21].outcome == "awarded"
    assert checks[21].qts_date == date(2026, 11, 28)
    assert checks[21].message == "DQT shows QTS awarded on 2026-11-28"
    assert checks[21].itt_result == "Pass"
    assert (checks[21].first_name, checks[21].last_name) == ("Ada", "Byron")

    # An early-years route looks for the EYTS date.
    assert checks[22].outcome == "not_awarded"
    assert checks[22].message == "DQT shows no EYTS date"

    assert checks[23].outcome == "not_found"
    assert checks[24].outcome == "no_trn"


async def test_check_trn_in_dqt(
    engine: Any, redis_client: Any, register_rows: None, dqt: Any
) -> None:
    pending = rows_by_id(engine, redis_client, "trns")
    async with DqtClient(dqt.url, KEY) as client:
        ready = await monitors.check_trn_in_dqt(client, pending[31])
        waiting = await monitors.check_trn_in_dqt(client, pending[32])
        unknown = await monitors.check_trn_in_dqt(client, pending[33])

    assert ready.outcome == "trn_available"
    assert ready.trn == "3000031"
    assert ready.request_status == "Completed"
    assert waiting.outcome == "pending"
    assert waiting.trn is None
    assert waiting.message.startswith("no TRN yet: DQT says Pending")
    assert unknown.outcome == "not_found"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_dqt_down_is_worded_not_raised(
    engine: Any, redis_client: Any, register_rows: None
) -> None:
    awards = rows_by_id(engine, redis_client, "awards")
    url = f"http://127.0.0.1:{closed_port()}"
    async with DqtClient(url, KEY, timeout=1.0, get_retries=0) as client:
        check = await monitors.check_award_in_dqt(client, awards[21].trainee)
    assert check.outcome == "unavailable"
    assert check.message.startswith("DQT unavailable")


def test_export_with_dqt_values(
    engine: Any, redis_client: Any, register_rows: None, dqt: Any
) -> None:
    with DqtLookup(dqt.url, KEY) as lookup:
        awards_text = export_to_text(
            engine,
            redis_client,
            ExportRequest("pending-awards", "csv", with_dqt=True),
            today=TODAY,
            dqt=lookup,
        )
        trns_text = export_to_text(
            engine,
            redis_client,
            ExportRequest("pending-trns", "json", with_dqt=True),
            today=TODAY,
            dqt=lookup,
        )

    awards = {
        row["register_id"]: row for row in csv.DictReader(io.StringIO(awards_text))
    }
    assert awards["21"]["dqt_qts_date"] == "2026-11-28"
    assert awards["21"]["dqt_first_name"] == "Ada"
    assert awards["21"]["dqt_itt_result"] == "Pass"
    assert awards["21"]["dqt_lookup"] == "DQT shows QTS awarded on 2026-11-28"
    assert awards["22"]["dqt_eyts_date"] == ""
    assert awards["23"]["dqt_lookup"].startswith("DQT has no such teacher")
    assert awards["24"]["dqt_lookup"] == "no TRN in Register: DQT cannot be asked"

    trns = {record["register_id"]: record for record in json.loads(trns_text)}
    assert trns[31]["dqt_trn"] == "3000031"
    assert trns[31]["dqt_trn_request_status"] == "Completed"
    assert trns[32]["dqt_trn"] is None
    assert trns[32]["dqt_trn_request_status"] == "Pending"


def test_export_command_with_dqt(
    engine: Any,
    redis_client: Any,
    register_rows: None,
    dqt: Any,
    database_url: str,
    redis_url: str,
    run_triage: Any,
    tmp_path: Path,
) -> None:
    target = tmp_path / "awards.csv"
    done = run_triage(
        "export",
        "pending-awards",
        "--with-dqt",
        "--output",
        str(target),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DQT_API_URL=dqt.url,
        DQT_API_KEY=KEY,
    )
    assert done.returncode == 0, done.stderr
    rows = {row["register_id"]: row for row in csv.DictReader(target.open())}
    assert rows["21"]["dqt_qts_date"] == "2026-11-28"
    assert "date_of_birth" not in rows["21"]


def test_export_stops_asking_once_dqt_is_down(engine: Any, redis_client: Any) -> None:
    add_provider(engine, ukprn=UKPRN)
    for trainee_id in range(1, 61):
        add_trainee(
            engine,
            trainee_id,
            state=3,
            trn=f"{3100000 + trainee_id}",
            date_of_birth=BIRTH,
            recommended_for_award_at=datetime(2026, 11, 1, 9),
        )
    url = f"http://127.0.0.1:{closed_port()}"
    with DqtLookup(url, KEY, timeout=1.0, get_retries=0) as lookup:
        text = export_to_text(
            engine,
            redis_client,
            ExportRequest("pending-awards", "csv", with_dqt=True),
            today=TODAY,
            dqt=lookup,
        )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 60
    assert all(row["dqt_lookup"].startswith("DQT unavailable") for row in rows[:50])
    assert all(
        row["dqt_lookup"].startswith("not asked: DQT was unavailable")
        for row in rows[50:]
    )
