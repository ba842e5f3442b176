"""Register / DQT comparison over real HTTP (the DQT simulator) and real PostgreSQL."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from dqt.client import DqtClient
from dqt.simulator.state import (
    ApiKey,
    IttRecord,
    Organisation,
    SimulatorState,
    Teacher,
)
from services.comparison import (
    Comparison,
    compare_trainee,
    compare_trainee_sync,
    compare_trainees,
)
from services.register.schema import providers, trainees
from services.register.trainees import TraineeRecord, load_trainee

API_KEY = "comparison-key"
TODAY = date(2026, 12, 4)
CREATED = datetime(2023, 1, 10, 9, 0)
PROVIDER_UKPRN = "10000001"


def _itt(**values: Any) -> IttRecord:
    row: dict[str, Any] = {
        "provider_ukprn": PROVIDER_UKPRN,
        "programme_type": "ProviderLedPostgrad",
        "programme_start_date": date(2023, 9, 1),
        "programme_end_date": date(2024, 7, 31),
        "result": "InTraining",
    }
    row.update(values)
    return IttRecord(**row)


def _teacher(trn: str, **values: Any) -> Teacher:
    row: dict[str, Any] = {
        "trn": trn,
        "first_name": "Ada",
        "last_name": "Byron",
        "date_of_birth": date(1990, 5, 2),
        "email_address": f"t{trn}@example.invalid",
        "itt": [_itt()],
    }
    row.update(values)
    return Teacher(**row)


@pytest.fixture
def register(engine: Engine) -> Callable[..., TraineeRecord]:
    """Insert a trainee (Ada Byron, TRN received, provider-led postgrad) and load it."""
    with engine.begin() as conn:
        conn.execute(
            insert(providers).values(
                id=1,
                name="Northern Teaching Partnership",
                ukprn=PROVIDER_UKPRN,
                created_at=CREATED,
                updated_at=CREATED,
            )
        )

    def make(trainee_id: int, **values: Any) -> TraineeRecord:
        row: dict[str, Any] = {
            "id": trainee_id,
            "slug": f"slug{trainee_id:020d}",
            "provider_id": 1,
            "first_names": "Ada",
            "last_name": "Byron",
            "date_of_birth": date(1990, 5, 2),
            "email": f"t{trainee_id}@example.invalid",
            "state": 2,
            "training_route": 1,
            "itt_start_date": date(2023, 9, 1),
            "itt_end_date": date(2024, 7, 31),
            "created_at": CREATED,
            "updated_at": CREATED,
        }
        row.update(values)
        with engine.begin() as conn:
            conn.execute(insert(trainees).values(**row))
            record = load_trainee(conn, trainee_id, today=TODAY)
        assert record is not None
        return record

    return make


@pytest.fixture
def dqt(make_simulator: Callable[..., Any]) -> Callable[..., Any]:
    """Start a simulator holding the given teachers (`.url`, `.controls`)."""

    def start(*teachers: Teacher) -> Any:
        state = SimulatorState(
            api_keys=[ApiKey(key=API_KEY, client="register")],
            organisations=[Organisation(ukprn=PROVIDER_UKPRN, name="Northern")],
            teachers=list(teachers),
        )
        return make_simulator(state)

    return start


async def _compare(url: str, record: TraineeRecord, **options: Any) -> Comparison:
    async with DqtClient(url, API_KEY, **options) as client:
        return await compare_trainee(record, client, today=TODAY)


async def test_matching_trainee_has_no_differences(register, dqt) -> None:
    record = register(1, trn="1000001")
    simulator = dqt(_teacher("1000001"))

    result = await _compare(simulator.url, record)

    assert result.outcome == "found"
    assert result.looked_up_by == "trn"
    assert result.has_differences is False, result.differences
    assert result.message == "found by TRN: no differences"
    assert result.itt_selection == "matched"
    assert result.itt_row is not None
    assert result.by_name("itt.result").dqt == "InTraining"
    # The award row holds Register's award date; the state is worded once, in
    # DQT's terms, in the ITT result row.
    assert result.by_name("qts_date").register == "not awarded"
    assert result.by_name("itt.result").register == "in training (TRN received)"
    assert result.by_name("itt.programme_type").register == "ProviderLedPostgrad"
    assert result.itt_note == (
        "DQT's ITT record compared: UKPRN 10000001, ProviderLedPostgrad"
        " (the one Register's update picks)"
    )
    assert result.teacher is not None and result.teacher.trn == "1000001"
    requests = simulator.controls.requests()
    assert [(r["method"], r["path"]) for r in requests] == [
        ("GET", "/v2/teachers/1000001")
    ]
    assert requests[0]["query"]["includeInactive"] == "true"


async def test_date_of_birth_mismatch_is_worded(register, dqt) -> None:
    record = register(2, trn="1000002")
    simulator = dqt(_teacher("1000002", date_of_birth=date(1990, 2, 5)))

    result = await _compare(simulator.url, record)

    assert result.outcome == "found"
    assert [f.name for f in result.differences] == ["date_of_birth"]
    difference = result.differences[0]
    assert (difference.register, difference.dqt) == ("1990-05-02", "1990-02-05")
    assert difference.note == (
        "Register has 1990-05-02, DQT has 1990-02-05 (day and month look swapped)"
    )
    assert result.message == "found by TRN: 1 difference(s)"


async def test_inactive_or_unknown_trn_is_not_found_and_says_why(register, dqt) -> None:
    inactive = register(3, trn="1000003")
    unknown = register(4, trn="1999999")
    simulator = dqt(_teacher("1000003", active=False))

    results = [await _compare(simulator.url, r) for r in (inactive, unknown)]

    for result in results:
        assert result.outcome == "not_found"
        assert "cannot tell an inactive (merged) TRN" in result.message
        assert result.has_differences is False
        # The Register side is always there.
        assert result.by_name("date_of_birth").register == "1990-05-02"
        assert result.by_name("date_of_birth").matches is None
    assert "TRN 1000003" in results[0].message
    assert "TRN 1999999" in results[1].message


async def test_trainee_without_trn_found_by_search(register, dqt) -> None:
    record = register(5, first_names="Ada Augusta", email="t5@example.invalid")
    simulator = dqt(
        _teacher("1000005", email_address="t5@example.invalid", middle_name="Augusta")
    )

    result = await _compare(simulator.url, record)

    assert result.outcome == "found"
    assert result.looked_up_by == "search"
    assert [f.name for f in result.differences] == ["trn"]
    assert result.differences[0].note == (
        "Register has no TRN; DQT knows this trainee as 1000005"
    )
    names = result.by_name("first_names")
    assert (names.register, names.dqt, names.matches) == ("Ada Augusta", "Ada", True)
    assert "split differently" in names.note
    find, get = simulator.controls.requests()
    assert find["path"] == "/v2/teachers/find"
    # Register sends only the first word of the first names.
    assert find["query"]["firstName"] == "Ada"
    assert find["query"]["dateOfBirth"] == "1990-05-02"
    assert get["path"] == "/v2/teachers/1000005"


async def test_search_finding_nobody_or_several(register, dqt) -> None:
    nobody = register(6, last_name="Nobody")
    several = register(7, email="shared@example.invalid")
    too_little = register(18, email=None)
    simulator = dqt(
        _teacher("1000071", email_address="shared@example.invalid"),
        _teacher("1000072", email_address="shared@example.invalid"),
    )

    missing = await _compare(simulator.url, nobody)
    many = await _compare(simulator.url, several)

    assert missing.outcome == "no_trn_found_by_search"
    assert "found no teacher" in missing.message
    assert missing.teacher is None
    assert many.outcome == "several_found_by_search"
    assert "2 teachers (1000071, 1000072)" in many.message
    assert [r.trn for r in many.search_results] == ["1000071", "1000072"]
    # Name and date of birth count as two identifiers: DQT needs three.
    unsearchable = await _compare(simulator.url, too_little)
    assert unsearchable.outcome == "no_trn_found_by_search"
    assert "only 2 of the identifiers" in unsearchable.message


async def test_stuck_award_shows_dqt_awarded_register_not(register, dqt) -> None:
    record = register(
        8,
        trn="1000008",
        state=3,
        recommended_for_award_at=datetime(2024, 7, 1, 9, 0),
        outcome_date=date(2024, 6, 30),
    )
    simulator = dqt(
        _teacher("1000008", qts_date=date(2024, 6, 30), itt=[_itt(result="Pass")])
    )

    result = await _compare(simulator.url, record)

    award = result.by_name("qts_date")
    assert award.matches is False
    assert (award.register, award.dqt) == ("not awarded", "2024-06-30")
    assert "DQT awarded, Register did not record it" in award.note
    itt_result = result.by_name("itt.result")
    assert itt_result.matches is True
    assert itt_result.note == "DQT has already passed the trainee"
    assert itt_result.register == "in training or pass (recommended for award)"


async def test_awarded_on_register_withdrawn_on_dqt(register, dqt) -> None:
    record = register(9, trn="1000009", state=6, awarded_at=datetime(2024, 7, 2))
    simulator = dqt(_teacher("1000009", itt=[_itt(result="Withdrawn")]))

    result = await _compare(simulator.url, record)

    assert [f.name for f in result.differences] == ["qts_date", "itt.result"]
    assert result.by_name("qts_date").note == (
        "Register shows QTS awarded; DQT has no QTS date"
    )
    assert result.by_name("itt.result").note == (
        "Register's state awarded means Pass on DQT; DQT has Withdrawn"
    )
    assert result.by_name("itt.result").register == "pass (awarded)"
    assert result.by_name("qts_date").register == "2024-07-02"


async def test_itt_row_choice_follows_register(register, dqt) -> None:
    twice = register(10, trn="1000010")
    elsewhere = register(11, trn="1000011")
    wrong_type = register(12, trn="1000012", training_route=4)
    simulator = dqt(
        _teacher("1000010", itt=[_itt(), _itt(result="Deferred")]),
        _teacher("1000011", itt=[_itt(provider_ukprn="10000099")]),
        _teacher("1000012"),
    )

    several = await _compare(simulator.url, twice)
    none = await _compare(simulator.url, elsewhere)
    provider_only = await _compare(simulator.url, wrong_type)

    assert several.itt_selection == "several"
    assert "DuplicateTrainingInstanceError" in several.itt_note
    assert several.by_name("itt.row").matches is False
    assert none.itt_selection == "none"
    assert "no ITT row at UKPRN 10000001" in none.itt_note
    assert "ProviderLedPostgrad at UKPRN 10000099 (InTraining)" in none.itt_note
    assert provider_only.itt_selection == "provider_only"
    programme = provider_only.by_name("itt.programme_type")
    assert programme.matches is False
    assert programme.note == (
        "Register's route school direct salaried is sent as"
        " SchoolDirectTrainingProgrammeSalaried; DQT has ProviderLedPostgrad"
    )


async def test_earlier_era_programme_type_and_estimated_end_date(register, dqt) -> None:
    record = register(
        13,
        trn="1000013",
        itt_end_date=None,
        study_mode=1,
        trainee_start_date=date(2023, 9, 4),
    )
    simulator = dqt(
        _teacher(
            "1000013",
            itt=[
                _itt(
                    programme_type="PrimaryAndSecondaryPostgraduateFeeFunded",
                    programme_end_date=date(2024, 7, 4),
                )
            ],
        )
    )

    result = await _compare(simulator.url, record)

    assert result.has_differences is False, result.differences
    end = result.by_name("itt.programme_end_date")
    assert end.matches is True
    assert end.note == "Register has no ITT end date and sends its estimate 2024-07-04"


async def test_early_years_route_compares_the_eyts_date(register, dqt) -> None:
    record = register(
        14, trn="1000014", training_route=8, state=6, awarded_at=datetime(2024, 7, 3)
    )
    simulator = dqt(
        _teacher(
            "1000014",
            eyts_date=date(2024, 7, 3),
            itt=[_itt(programme_type="EYITTGraduateEntry", result="Pass")],
        )
    )

    result = await _compare(simulator.url, record)

    assert result.has_differences is False, result.differences
    award = result.by_name("eyts_date")
    # The date once, not the state word beside the award word.
    assert (award.register, award.dqt) == ("2024-07-03", "2024-07-03")


async def test_invalid_trn_sends_nothing(register, dqt) -> None:
    record = register(15, trn="12345")
    simulator = dqt()

    result = await _compare(simulator.url, record)

    assert result.outcome == "invalid_trn"
    assert "'12345' is not 7 digits" in result.message
    assert simulator.controls.requests() == []


async def test_dqt_error_and_unreachable_dqt_are_outcomes(register, dqt) -> None:
    record = register(16, trn="1000016")
    simulator = dqt(_teacher("1000016"))
    simulator.controls.add_fault("error", trn="1000016", body="html")

    refused = await _compare(simulator.url, record, get_retries=0)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = await _compare(
        f"http://127.0.0.1:{closed_port}", record, get_retries=0, timeout=2.0
    )

    assert refused.outcome == "dqt_error"
    assert "500" in refused.message
    assert unreachable.outcome == "dqt_unavailable"
    assert "could not connect" in unreachable.message
    assert unreachable.by_name("trn").register == "1000016"


async def test_many_at_once(register, dqt) -> None:
    records = [register(100 + n, trn=f"10001{n:02d}") for n in range(20)]
    simulator = dqt(*[_teacher(f"10001{n:02d}") for n in range(20)])

    async with DqtClient(simulator.url, API_KEY) as client:
        results = await compare_trainees(records, client, today=TODAY)

    assert [r.record.id for r in results] == [100 + n for n in range(20)]
    assert {r.outcome for r in results} == {"found"}


def test_sync_wrapper_for_headless_commands(register, dqt) -> None:
    record = register(17, trn="1000017", last_name="byron")
    simulator = dqt(_teacher("1000017"))

    result = compare_trainee_sync(
        record, base_url=simulator.url, api_key=API_KEY, today=TODAY
    )

    assert result.outcome == "found"
    last = result.by_name("last_name")
    assert (last.matches, last.note) == (True, "differs only in case or spacing")
