"""Audits written as the audited gem writes them, and read back in plain words."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from services.register import audits as audit_service
from services.register.audits import (
    AuditWriteError,
    audit_username,
    last_audit_records,
    normalise_audited_changes,
    previous_state_before_withdrawal,
    trainee_timeline,
    write_trainee_audit,
)
from services.register.schema import audits, providers, trainees

NOW = datetime(2026, 12, 4, 15, 0, 0)
CREATED = datetime(2023, 1, 10, 9, 0, 0)


def _provider(conn: Connection, provider_id: int = 77) -> int:
    conn.execute(
        insert(providers).values(
            id=provider_id,
            name="Northern Teaching Partnership",
            ukprn="10000077",
            code="N77",
            created_at=CREATED,
            updated_at=CREATED,
        )
    )
    return provider_id


def _trainee(conn: Connection, trainee_id: int, **values: Any) -> int:
    row = {
        "id": trainee_id,
        "slug": f"slug{trainee_id}",
        "first_names": "Ada",
        "last_name": "Byron",
        "provider_id": 77,
        "state": 2,
        "training_route": 1,
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    row.update(values)
    conn.execute(insert(trainees).values(**row))
    return trainee_id


def _audit(conn: Connection, **values: Any) -> None:
    row = {
        "auditable_type": "Trainee",
        "associated_type": "Provider",
        "associated_id": 77,
        "action": "update",
        "created_at": CREATED,
    }
    row.update(values)
    conn.execute(insert(audits).values(**row))


@pytest.fixture
def b10(engine: Engine) -> Engine:
    """Trainee 1010 as in public report B10: withdrawn, one audit with a name."""
    with engine.begin() as conn:
        _provider(conn)
        _trainee(
            conn,
            1010,
            state=4,
            withdraw_date=datetime(2023, 5, 2),
            submitted_for_trn_at=datetime(2023, 3, 1, 10, 0),
        )
        _audit(
            conn,
            id=70000,
            auditable_id=1010,
            version=4,
            audited_changes={"state": ["submitted_for_trn", 2]},
            username="DQT",
            created_at=datetime(2023, 3, 3, 12, 0),
        )
        _audit(
            conn,
            id=70001,
            auditable_id=1010,
            version=5,
            audited_changes={
                "state": [2, 4],
                "withdraw_date": [None, "2023-05-02T00:00:00.000Z"],
            },
            comment="Withdrawn by provider",
            username="Provider User",
            request_uuid="req-withdraw",
            created_at=datetime(2023, 5, 2, 14, 0),
        )
    return engine


def test_b10_previous_state_is_found_as_an_integer(b10: Engine) -> None:
    with b10.connect() as conn:
        previous = previous_state_before_withdrawal(conn, 1010)

    assert previous.state == 2
    assert previous.found is True
    assert previous.audit_id == 70001
    assert previous.audit_version == 5
    assert previous.label == "TRN received"


def test_b10_timeline_maps_names_and_integers_alike(b10: Engine) -> None:
    with b10.connect() as conn:
        timeline = trainee_timeline(conn, 1010)

    assert [entry.title for entry in timeline] == [
        "Trainee withdrawn",
        "TRN received",
    ]
    withdrawn, received = timeline
    assert withdrawn.lines == (
        "state: TRN received → withdrawn",
        "withdraw date: not set → 2023-05-02 00:00 UTC",
    )
    assert withdrawn.comment == "Withdrawn by provider"
    assert withdrawn.request_uuid == "req-withdraw"
    assert received.lines == ("state: submitted for TRN → TRN received",)
    assert received.audits[0].state_change == (1, 2)


def test_b10_undo_audit_is_written_with_integers_version_6(b10: Engine) -> None:
    with b10.begin() as conn:
        audit_id = write_trainee_audit(
            conn,
            trainee_id=1010,
            provider_id=77,
            changes={
                "state": ("withdrawn", 2),
                "withdraw_date": (datetime(2023, 5, 2), None),
            },
            comment="Ticket 4711: withdrawn in error",
            username=audit_username("Ada Lovelace"),
            request_uuid="6f1c7c8e-2a41-4c53-9d7e-0b7f6a3c9e11",
            now=NOW,
        )

    with b10.connect() as conn:
        row = (
            conn.execute(select(audits).where(audits.c.id == audit_id)).mappings().one()
        )
        updated_at = conn.execute(
            select(trainees.c.updated_at).where(trainees.c.id == 1010)
        ).scalar_one()
        timeline = trainee_timeline(conn, 1010)

    assert row["auditable_type"] == "Trainee"
    assert row["auditable_id"] == 1010
    assert row["associated_type"] == "Provider"
    assert row["associated_id"] == 77
    assert row["action"] == "update"
    assert row["version"] == 6
    assert row["audited_changes"] == {
        "state": [4, 2],
        "withdraw_date": ["2023-05-02T00:00:00.000Z", None],
    }
    assert row["comment"] == "Ticket 4711: withdrawn in error"
    assert row["username"] == "Ada Lovelace via register-triage"
    assert row["request_uuid"] == "6f1c7c8e-2a41-4c53-9d7e-0b7f6a3c9e11"
    assert row["created_at"] == NOW
    assert row["user_id"] is None
    assert updated_at == NOW
    assert timeline[0].title == "Withdrawal undone"
    assert timeline[0].comment_first_line == "Ticket 4711: withdrawn in error"


def test_unknown_state_integer_reads_unknown_and_falls_back(engine: Engine) -> None:
    with engine.begin() as conn:
        _provider(conn)
        _trainee(conn, 5, state=4)
        _audit(conn, auditable_id=5, version=1, audited_changes={"state": [9, 4]})

    with engine.connect() as conn:
        timeline = trainee_timeline(conn, 5)
        previous = previous_state_before_withdrawal(conn, 5)

    assert timeline[0].lines == ("state: unknown (9) → withdrawn",)
    assert previous.state == 2
    assert previous.found is False
    assert "9" in previous.note and "does not define" in previous.note


def test_no_withdrawal_audit_gives_registers_default(engine: Engine) -> None:
    with engine.begin() as conn:
        _provider(conn)
        _trainee(conn, 6, state=4)
        _audit(conn, auditable_id=6, version=1, audited_changes={"state": [0, 1]})

    with engine.connect() as conn:
        previous = previous_state_before_withdrawal(conn, 6)

    assert previous.state == 2
    assert previous.found is False
    assert previous.audit_id is None
    assert "no audit shows the change into withdrawn" in previous.note


def test_the_newest_withdrawal_wins(engine: Engine) -> None:
    with engine.begin() as conn:
        _provider(conn)
        _trainee(conn, 7, state=4)
        _audit(conn, auditable_id=7, version=1, audited_changes={"state": [2, 4]})
        _audit(conn, auditable_id=7, version=2, audited_changes={"state": [4, 5]})
        _audit(conn, auditable_id=7, version=3, audited_changes={"state": [5, 4]})
        # A child record's audit never counts as the trainee's state.
        _audit(
            conn,
            auditable_type="Degree",
            auditable_id=99,
            associated_type="Trainee",
            associated_id=7,
            version=9,
            audited_changes={"state": [1, 4]},
        )

    with engine.connect() as conn:
        previous = previous_state_before_withdrawal(conn, 7)

    assert (previous.state, previous.found, previous.audit_version) == (5, True, 3)
    assert previous.label == "deferred"


def test_dates_datetimes_and_enums_are_stored_as_rails_writes_them() -> None:
    british_summer = timezone(timedelta(hours=1))
    assert normalise_audited_changes(
        {
            "itt_start_date": (date(2023, 9, 1), "2023-09-04"),
            "awarded_at": (
                None,
                datetime(2024, 7, 1, 10, 30, 5, 123456, british_summer),
            ),
            "recommended_for_award_at": ("2024-06-30T08:00:00Z", None),
            "training_route": ("provider_led_postgrad", 4),
            "withdraw_reason": (None, "personal_reasons"),
            "last_name": ("Smith", "Smyth"),
            "applying_for_bursary": (True, False),
        }
    ) == {
        "itt_start_date": ["2023-09-01", "2023-09-04"],
        "awarded_at": [None, "2024-07-01T09:30:05.123Z"],
        "recommended_for_award_at": ["2024-06-30T08:00:00.000Z", None],
        "training_route": [1, 4],
        "withdraw_reason": [None, 7],
        "last_name": ["Smith", "Smyth"],
        "applying_for_bursary": [True, False],
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "at least one change"),
        ({"state": ("withdrawn", "gone")}, "not one of Register's TraineeState"),
        ({"favourite_colour": ("red", "blue")}, "no column 'favourite_colour'"),
        ({"updated_at": (NOW, NOW)}, "never audited"),
        ({"state": (4,)}, "must be [old, new]"),
        ({"date_of_birth": ("1990-05-02", "2nd May")}, "is not a date"),
    ],
)
def test_bad_changes_are_refused_before_anything_is_written(
    b10: Engine, changes: dict[str, Any], message: str
) -> None:
    pattern = message.replace("[", r"\[")
    with pytest.raises(AuditWriteError, match=pattern), b10.begin() as conn:
        write_trainee_audit(
            conn,
            trainee_id=1010,
            provider_id=77,
            changes=changes,
            comment="c",
            username="u",
            request_uuid="r",
            now=NOW,
        )
    with b10.connect() as conn:
        assert conn.execute(select(audits.c.id)).scalars().all() == [70000, 70001]


def test_comment_is_required_and_trainee_must_exist(b10: Engine) -> None:
    arguments: dict[str, Any] = {
        "provider_id": 77,
        "changes": {"state": (4, 2)},
        "username": "u",
        "request_uuid": "r",
        "now": NOW,
    }
    with b10.begin() as conn:
        with pytest.raises(AuditWriteError, match="comment is required"):
            write_trainee_audit(conn, trainee_id=1010, comment="  ", **arguments)
        with pytest.raises(AuditWriteError, match="trainee 4040 does not exist"):
            write_trainee_audit(conn, trainee_id=4040, comment="c", **arguments)


def test_concurrent_writers_take_distinct_versions(b10: Engine) -> None:
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            barrier.wait(timeout=10)
            with b10.begin() as conn:
                write_trainee_audit(
                    conn,
                    trainee_id=1010,
                    provider_id=77,
                    changes={"last_name": (f"Name{number}", f"Name{number + 1}")},
                    comment=f"writer {number}",
                    username="u",
                    request_uuid=f"r{number}",
                    now=NOW,
                )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    with b10.connect() as conn:
        versions = (
            conn.execute(
                select(audits.c.version)
                .where(audits.c.auditable_id == 1010)
                .order_by(audits.c.version)
            )
            .scalars()
            .all()
        )
    assert errors == []
    assert versions == [4, 5, 6, 7, 8, 9, 10, 11]


def test_timeline_groups_by_request_and_marks_what_register_hides(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        _provider(conn)
        _trainee(
            conn,
            8,
            training_route=7,  # early_years_salaried: an EYTS route
            submitted_for_trn_at=datetime(2023, 2, 1),
        )
        _audit(
            conn,
            auditable_id=8,
            action="create",
            version=1,
            audited_changes={"state": 0, "last_name": "Byron"},
            created_at=datetime(2023, 1, 10),
        )
        _audit(
            conn,
            auditable_id=8,
            version=2,
            audited_changes={"last_name": ["Byron", "King"]},
            created_at=datetime(2023, 1, 15),
        )
        _audit(
            conn,
            auditable_type="Degree",
            auditable_id=300,
            associated_type="Trainee",
            associated_id=8,
            action="create",
            version=1,
            audited_changes={"subject": "Mathematics", "locale_code": 0},
            username="HESA",
            created_at=datetime(2023, 3, 1),
        )
        for offset, (kind, changes) in enumerate(
            [
                ("Trainee", {"state": [2, 3]}),
                ("Degree", {"graduation_year": [2019, 2020]}),
            ]
        ):
            _audit(
                conn,
                auditable_type=kind,
                auditable_id=8 if kind == "Trainee" else 300,
                associated_type="Provider" if kind == "Trainee" else "Trainee",
                associated_id=77 if kind == "Trainee" else 8,
                version=3 + offset,
                audited_changes=changes,
                username="Provider User",
                comment="Standards met\nsecond line",
                request_uuid="same-request",
                created_at=datetime(2024, 6, 1, 12, 0, offset),
            )

    with engine.connect() as conn:
        timeline = trainee_timeline(conn, 8)

    assert [entry.title for entry in timeline] == [
        "Trainee recommended for EYTS",
        "Degree added",
        "Last name updated",
        "Record created",
    ]
    recommended, degree, renamed, created = timeline
    assert len(recommended.audits) == 2
    assert recommended.lines == (
        "graduation year: 2019 → 2020",
        "state: TRN received → recommended for award",
    )
    assert recommended.comment_first_line == "Standards met"
    assert degree.shown_in_register is False
    assert degree.hidden_reason == "HESA degree import (Register hides these)"
    assert degree.lines == ("subject: Mathematics", "locale code: UK")
    assert renamed.shown_in_register is False
    assert renamed.hidden_reason is not None
    assert created.shown_in_register is True
    assert created.lines == ("state: draft", "last name: Byron")


def test_timeline_of_a_trainee_without_audits_is_empty(engine: Engine) -> None:
    with engine.begin() as conn:
        _provider(conn)
        _trainee(conn, 9)
    with engine.connect() as conn:
        assert trainee_timeline(conn, 9) == []
        assert trainee_timeline(conn, 123456) == []


def test_timezone_aware_now_is_stored_as_utc(b10: Engine) -> None:
    aware = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    with b10.begin() as conn:
        audit_id = write_trainee_audit(
            conn,
            trainee_id=1010,
            provider_id=77,
            changes={"state": (4, 2)},
            comment="c",
            username="u",
            request_uuid="r",
            now=aware,
        )
    with b10.connect() as conn:
        stored = conn.execute(
            select(audits.c.created_at).where(audits.c.id == audit_id)
        ).scalar_one()
    assert stored == aware.astimezone(UTC).replace(tzinfo=None)
    assert audit_service.format_audit_datetime(aware) == "2026-06-01T11:00:00.000Z"


def test_dedupe_check_compares_names_and_integers_alike(engine: Engine) -> None:
    with engine.begin() as conn:
        _provider(conn)
        _trainee(conn, 11, state=2)
        _audit(
            conn,
            auditable_id=11,
            version=4,
            audited_changes={"state": ["submitted_for_trn", 2]},
        )

    with engine.connect() as conn:
        assert last_audit_records(conn, 11, {"state": (1, "trn_received")}) is True
        assert last_audit_records(conn, 11, {"state": ("submitted_for_trn", 2)})
        assert last_audit_records(conn, 11, {"state": (1, 3)}) is False
        assert last_audit_records(conn, 11, {"state": (1, 2), "trn": (None, "1")}) is (
            False
        )
        assert last_audit_records(conn, 12, {"state": (1, 2)}) is False


def test_an_audit_holding_a_list_is_not_read_as_a_state_change(engine: Engine) -> None:
    # jsonb's `?` also matches an array element, so a malformed audit holding
    # ["state"] is selected; it must be skipped, not crash the look-up.
    with engine.begin() as conn:
        _provider(conn)
        _trainee(conn, 8, state=4)
        _audit(conn, auditable_id=8, version=1, audited_changes={"state": [2, 4]})
        _audit(conn, auditable_id=8, version=2, audited_changes=["state"])

    with engine.connect() as conn:
        previous = previous_state_before_withdrawal(conn, 8)

    assert (previous.state, previous.found, previous.audit_version) == (2, True, 1)
