"""Exports of failed jobs, pending TRNs and pending awards, on real servers."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from monitor_rows import (
    HTTP_500,
    NOT_FOUND,
    add_provider,
    add_trainee,
    add_trn_request,
    job_payload,
    put_job,
    trainee_gid,
    trn_request_gid,
)

from services.export import (
    ExportError,
    ExportRequest,
    columns_for,
    export_to_file,
    export_to_text,
)

TODAY = date(2026, 12, 4)
UPDATE = "Dqt::UpdateTraineeJob"
RETRIEVE = "Dqt::RetrieveTrnJob"

COURSE = {
    "training_route": 4,
    "itt_start_date": date(2026, 9, 1),
    "itt_end_date": date(2027, 7, 31),
    "course_min_age": 11,
    "course_max_age": 16,
    "course_subject_one": "Mathematics",
    "course_subject_two": "Physics",
    "course_subject_three": None,
    "middle_names": "Grace",
    "date_of_birth": date(1991, 2, 3),
}


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def pending(engine: Any, redis_client: Any) -> None:
    add_provider(engine, name="Oakfield SCITT", ukprn="10001234")
    add_trainee(
        engine, 1, state=1, submitted_for_trn_at=datetime(2026, 12, 1, 10), **COURSE
    )
    add_trn_request(engine, 1001, 1, datetime(2026, 12, 1, 10))
    add_trainee(
        engine,
        2,
        state=3,
        trn="2000002",
        recommended_for_award_at=datetime(2026, 11, 20, 9),
        **COURSE,
    )
    put_job(
        redis_client,
        "schedule",
        job_payload(RETRIEVE, [trn_request_gid(1001)], jid="a" * 24),
        datetime(2026, 12, 4, 11, tzinfo=UTC).timestamp(),
    )


def test_pending_trns_csv_columns_and_values(
    engine: Any, redis_client: Any, pending: None
) -> None:
    request = ExportRequest("pending-trns", "csv")
    text = export_to_text(engine, redis_client, request, today=TODAY)
    header = text.splitlines()[0].split(",")
    assert header == list(columns_for(request))
    assert "date_of_birth" not in header
    assert "1991" not in text

    [row] = read_csv(text)
    assert row["register_id"] == "1"
    assert row["full_name"] == "First1 Grace Last1"
    assert row["state"] == "submitted_for_trn"
    assert row["training_route"] == "school_direct_salaried"
    assert row["provider_name"] == "Oakfield SCITT"
    assert row["provider_ukprn"] == "10001234"
    assert row["itt_start_date"] == "2026-09-01"
    # Each column from its own field: the end date is the end date.
    assert row["itt_end_date"] == "2027-07-31"
    assert row["course_min_age"] == "11"
    assert row["course_max_age"] == "16"
    assert (row["course_subject_one"], row["course_subject_two"]) == (
        "Mathematics",
        "Physics",
    )
    assert row["course_subject_three"] == ""
    assert row["days_waiting"] == "3"
    assert row["trn_request_state"] == "requested"
    assert row["job_status"] == "scheduled"
    assert row["next_run"] == "2026-12-04T11:00:00+00:00"
    assert row["timed_out"] == "false"


def test_date_of_birth_only_on_request(
    engine: Any, redis_client: Any, pending: None
) -> None:
    request = ExportRequest("pending-awards", "csv", include_date_of_birth=True)
    header = columns_for(request)
    assert header[header.index("full_name") + 1] == "date_of_birth"
    [row] = read_csv(export_to_text(engine, redis_client, request, today=TODAY))
    assert row["date_of_birth"] == "1991-02-03"
    assert row["trn"] == "2000002"


def test_pending_awards_json_is_one_streamed_array(
    engine: Any, redis_client: Any, pending: None
) -> None:
    request = ExportRequest("pending-awards", "json")
    text = export_to_text(engine, redis_client, request, today=TODAY)
    records = json.loads(text)
    assert len(records) == 1
    record = records[0]
    assert list(record) == list(columns_for(request))
    assert record["register_id"] == 2
    assert record["itt_end_date"] == "2027-07-31"
    assert record["course_subject_three"] is None
    assert record["days_waiting"] == 14
    assert record["award_type"] == "QTS"
    assert record["job_status"] == "none"
    # One object per line between the brackets.
    assert text.splitlines()[0] == "["
    assert text.splitlines()[-1] == "]"


@pytest.fixture
def failed(engine: Any, redis_client: Any) -> None:
    add_provider(engine)
    add_trainee(engine, 701, state=2, trn="7000701", **COURSE)
    add_trainee(engine, 703, state=2, trn="7000703", discarded_at=datetime(2026, 11, 1))
    add_trainee(engine, 702, state=1)
    add_trn_request(engine, 5161, 702, datetime(2026, 11, 1))
    died = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for trainee_id, error in (
        (701, NOT_FOUND),
        (703, NOT_FOUND),
        (799, NOT_FOUND),
        (702, HTTP_500),
    ):
        put_job(
            redis_client,
            "dead",
            job_payload(
                UPDATE,
                [trainee_gid(trainee_id)],
                jid=f"{trainee_id:024d}",
                error_message=error,
                retry=0,
                enqueued=died - timedelta(seconds=5),
            ),
            died.timestamp(),
        )
    for request_id in (5160, 5161):
        put_job(
            redis_client,
            "dead",
            job_payload(
                RETRIEVE,
                [trn_request_gid(request_id)],
                jid=f"{request_id:024d}",
                error_message=NOT_FOUND,
                enqueued=died - timedelta(seconds=5),
            ),
            died.timestamp(),
        )
    # Queued jobs are not failures.
    put_job(
        redis_client, "queue:dqt", job_payload(UPDATE, [trainee_gid(701)], jid="q" * 24)
    )


def test_failed_jobs_of_a_case_with_trainee_resolution(
    engine: Any, redis_client: Any, failed: None
) -> None:
    request = ExportRequest("failed-jobs", "csv", case="teacher_not_found_10001")
    rows = read_csv(export_to_text(engine, redis_client, request, today=TODAY))
    by_jid = {row["jid"]: row for row in rows}
    assert set(by_jid) == {
        f"{701:024d}",
        f"{703:024d}",
        f"{799:024d}",
        f"{5160:024d}",
        f"{5161:024d}",
    }

    found = by_jid[f"{701:024d}"]
    assert found["register_id"] == "701"
    assert found["itt_end_date"] == "2027-07-31"
    assert found["case"] == "teacher_not_found_10001"
    assert found["error_status"] == "404"
    assert found["error_code"] == "10001"
    assert "Teacher with specified TRN not found" in found["error_message"]
    assert found["days_waiting"] == "3"
    assert found["trainee_problem"] == ""

    assert by_jid[f"{703:024d}"]["trainee_problem"] == "trainee discarded"
    assert by_jid[f"{799:024d}"]["trainee_problem"] == "trainee not found"
    assert by_jid[f"{799:024d}"]["register_id"] == ""
    assert by_jid[f"{5160:024d}"]["trainee_problem"] == "TRN request row gone"
    # A TRN request GlobalID leads to its trainee.
    assert by_jid[f"{5161:024d}"]["register_id"] == "702"

    everything = ExportRequest("failed-jobs", "json")
    records = json.loads(export_to_text(engine, redis_client, everything, today=TODAY))
    assert len(records) == 6
    assert {r["case"] for r in records} == {"teacher_not_found_10001", "dqt_500"}


def test_bad_requests_are_refused_with_a_clear_message(
    engine: Any, redis_client: Any
) -> None:
    with pytest.raises(ExportError, match="unknown playbook case 'nonsense'"):
        export_to_text(
            engine,
            redis_client,
            ExportRequest("failed-jobs", case="nonsense"),
            today=TODAY,
        )
    with pytest.raises(ExportError, match="--case applies to failed-jobs only"):
        ExportRequest("pending-trns", case="dqt_500").check()
    with pytest.raises(ExportError, match="no DQT service"):
        export_to_text(
            engine,
            redis_client,
            ExportRequest("pending-trns", with_dqt=True),
            today=TODAY,
        )


def test_export_to_file_reports_progress_and_leaves_no_partial_file(
    engine: Any, redis_client: Any, tmp_path: Path
) -> None:
    add_provider(engine)
    for trainee_id in range(1, 451):
        add_trainee(
            engine, trainee_id, state=1, submitted_for_trn_at=datetime(2026, 12, 1, 10)
        )
    calls: list[tuple[int, int | None]] = []
    path = tmp_path / "pending.csv"
    result = export_to_file(
        engine,
        redis_client,
        ExportRequest("pending-trns", "csv", limit=420),
        path,
        today=TODAY,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert result.rows == 420
    assert len(path.read_text().splitlines()) == 421
    assert calls[0] == (0, 420)
    assert calls[-1] == (420, 420)
    assert (200, 420) in calls
    assert list(tmp_path.iterdir()) == [path]


def test_export_command_writes_the_file_and_prints_its_path(
    engine: Any,
    redis_client: Any,
    database_url: str,
    redis_url: str,
    run_triage: Any,
    tmp_path: Path,
    pending: None,
) -> None:
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DQT_API_URL": "http://127.0.0.1:9",
    }
    target = tmp_path / "out.json"
    done = run_triage(
        "export", "pending-trns", "--format", "json", "--output", str(target), **env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(target)
    records = json.loads(target.read_text())
    assert records[0]["itt_end_date"] == "2027-07-31"
    assert done.stderr == ""  # no progress bar when stderr is not a terminal

    refused = run_triage("export", "failed-jobs", "--case", "nonsense", **env)
    assert refused.returncode == 2
    assert refused.stderr.startswith("triage: unknown playbook case 'nonsense'")


def test_command_choices_match_the_service() -> None:
    from services import export
    from triage.commands import monitors as command

    assert command.WHATS == export.WHATS
    assert command.FORMATS == export.FORMATS


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_only(monkeypatch: Any) -> None:
    import sys

    from triage.commands.monitors import ProgressBar

    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = ProgressBar("exporting pending-trns")
    bar(0, 400)
    bar(200, 400)
    bar.finish()
    drawn = terminal.getvalue()
    assert "\rexporting pending-trns [" + "#" * 15 + "." * 15 + "] 200/400" in drawn
    assert drawn.endswith("\n")

    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    quiet = ProgressBar("exporting")
    quiet(1, 2)
    quiet.finish()
    assert piped.getvalue() == ""


def test_export_to_a_folder_that_does_not_exist(
    engine: Any,
    redis_client: Any,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: Any,
    capsys: Any,
) -> None:
    from triage.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DQT_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    missing = tmp_path / "no" / "such" / "folder" / "out.csv"
    status = main(["export", "pending-awards", "--output", str(missing)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"triage: cannot write {missing}")
    assert "Traceback" not in err


def test_failed_job_naming_an_impossible_record_id_is_a_row_not_a_crash(
    engine: Any, redis_client: Any
) -> None:
    # A GlobalID id beyond PostgreSQL's bigint, or not a number at all, must
    # not stop the export: the row says the trainee cannot be found.
    for number, record in ((1, "99999999999999999999"), (2, "abc")):
        payload = job_payload(
            UPDATE, [trainee_gid(1)], jid=f"{number:024d}", error_message=HTTP_500
        )
        payload["args"][0]["arguments"] = [
            {"_aj_globalid": f"gid://register-trainee-teachers/Trainee/{record}"}
        ]
        put_job(redis_client, "dead", payload, 1764900000.0 + number)

    request = ExportRequest("failed-jobs", "csv")
    rows = read_csv(export_to_text(engine, redis_client, request, today=TODAY))

    assert [(row["jid"], row["trainee_problem"]) for row in rows] == [
        (f"{1:024d}", "trainee not found"),
        (f"{2:024d}", "trainee not found"),
    ]
