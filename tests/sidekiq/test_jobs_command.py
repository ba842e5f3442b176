"""`triage jobs ...` headless, against real servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sidekiq_cases import (
    add_provider,
    add_trainee,
    add_trn_request,
    b01_member,
    load_capture,
    report_members,
    zadd_raw,
)

from triage.cli import main


@pytest.fixture
def triage(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    redis_url: str,
    tmp_path: Path,
) -> Any:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    # Never contacted by these commands; set so the sandbox is not started.
    monkeypatch.setenv("DQT_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRIAGE_OPERATOR", "Grace Oduya")
    monkeypatch.setenv("TRIAGE_ALLOW_WRITES", "true")

    def run(*argv: str, **env: str) -> tuple[int, str, str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_list_json_is_the_documented_form(
    triage: Any, redis_client: Any, engine: Any
) -> None:
    load_capture(redis_client, "captured-app-options")
    add_provider(engine)
    add_trainee(engine, 1)

    code, out, _ = triage("jobs", "list", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["format"] == 1
    assert len(document["jobs"]) == 40
    assert document["dead_set"]["size"] == 20
    assert document["counts"]["activejob_retrying"] == 13
    first = next(j for j in document["jobs"] if j["trainee"]["status"] == "found")
    assert first["trainee"]["id"] == 1
    assert first["case"]["key"] == "teacher_not_found_10001"
    assert set(first) >= {
        "jid",
        "where",
        "score",
        "job_class",
        "case",
        "error",
        "trainee",
        "parse_error",
    }

    code, out, _ = triage("jobs", "list", "--json", "--case", "dqt_500")
    assert code == 0
    assert {j["case"]["key"] for j in json.loads(out)["jobs"]} == {"dqt_500"}
    assert len(json.loads(out)["jobs"]) == 6


def test_list_text_and_unknown_case(
    triage: Any, redis_client: Any, engine: Any
) -> None:
    zadd_raw(redis_client, "retry", report_members("B03")[0], 1717007200.0)
    code, out, _ = triage("jobs", "list")
    assert code == 0
    assert "0b03c0ffee0b03c0ffee0b03" in out
    assert "unreadable JSON: Expecting ',' delimiter at char 460" in out

    code, _, err = triage("jobs", "list", "--case", "nope")
    assert code == 2
    assert "unknown case 'nope'" in err


def test_show_one_job(triage: Any, redis_client: Any, engine: Any) -> None:
    zadd_raw(redis_client, "dead", report_members("B09")[0], 1685610001.0)
    code, out, _ = triage("jobs", "show", "b09000000000000000000909")
    assert code == 0
    assert "No TRN yet (pending TRN) [no_trn_yet_405]" in out
    assert 'error message  status: 405, body: , headers: {"allow"=>["GET"]' in out

    code, out, _ = triage("jobs", "show", "b09000000000000000000909", "--json")
    detail = json.loads(out)[0]
    assert detail["error"]["headers"] == {"allow": ["GET"], "content-length": ["0"]}
    assert detail["raw"] == report_members("B09")[0]

    code, _, err = triage("jobs", "show", "nosuchjid")
    assert code == 1
    assert "no job with jid nosuchjid" in err


def test_retry_case_preview_then_apply(
    triage: Any, redis_client: Any, engine: Any
) -> None:
    add_provider(engine)
    for number in range(1, 4):
        zadd_raw(redis_client, "dead", b01_member(number), 1685610000.0 + number)
        add_trainee(engine, 100 + number)

    code, out, _ = triage("jobs", "retry", "--case", "dqt_500", "--preview", "--json")
    assert code == 0
    preview = json.loads(out)
    assert [s["op"] for s in preview["steps"]] == ["remove", "push"] * 3
    assert redis_client.zcard("dead") == 3

    code, _, err = triage("jobs", "retry", "--case", "dqt_500")
    assert code == 1
    assert "a reason is required" in err

    code, out, _ = triage(
        "jobs", "retry", "--case", "dqt_500", "--reason", "DQT 500s", "--json"
    )
    assert code == 0
    report = json.loads(out)
    assert report["summary"] == "3 retried"
    assert redis_client.llen("queue:dqt") == 3
    journal = (Path.cwd() / "data" / "journal.jsonl").read_text().splitlines()
    assert json.loads(journal[-1])["comment"] == "DQT 500s"


def test_writes_disabled_refuses(triage: Any, redis_client: Any, engine: Any) -> None:
    zadd_raw(redis_client, "dead", b01_member(1), 1685610001.0)
    code, _, err = triage(
        "jobs",
        "delete",
        "b01000000000000000000001",
        "--reason",
        "x",
        TRIAGE_ALLOW_WRITES="false",
    )
    assert code == 1
    assert "writes are disabled" in err
    assert redis_client.zcard("dead") == 1


def test_delete_and_missing_jids(triage: Any, redis_client: Any, engine: Any) -> None:
    zadd_raw(redis_client, "retry", report_members("B03")[0], 1717007200.0)
    code, out, _ = triage(
        "jobs", "delete", "0b03c0ffee0b03c0ffee0b03", "gone000", "--reason", "bad JSON"
    )
    assert code == 1  # one jid was not found
    assert "1 deleted" in out
    assert "not found: gone000" in out
    assert redis_client.zcard("retry") == 0


def test_enqueue_polling_job(triage: Any, redis_client: Any, engine: Any) -> None:
    add_provider(engine)
    add_trainee(engine, 5, slug="PollMe000000000000000000", trn=None, state=1)
    add_trn_request(engine, 50005, 5)

    code, _, err = triage("jobs", "enqueue", "retrieve-trn", "pollme000000000000000000")
    assert code == 2
    assert "--timeout DATE is required" in err

    code, out, _ = triage(
        "jobs",
        "enqueue",
        "retrieve-trn",
        "pollme000000000000000000",
        "--timeout",
        "2099-01-05",
        "--reason",
        "TRN polling timed out",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["counts"] == {"enqueued": 1}
    job = json.loads(redis_client.lindex("queue:dqt", 0))
    assert job["wrapped"] == "Dqt::RetrieveTrnJob"
    assert job["args"][0]["arguments"][1]["value"] == "2099-01-05"

    code, _, err = triage(
        "jobs", "enqueue", "update-trainee", "nobody", "--reason", "x"
    )
    assert code == 1
    assert "no trainee 'nobody'" in err


def test_enqueue_award_job(triage: Any, redis_client: Any, engine: Any) -> None:
    add_provider(engine)
    add_trainee(engine, 6, slug="AwardMe00000000000000000", trn="2000006", state=3)
    add_trainee(engine, 7, slug="NotYet000000000000000000", trn="2000007", state=2)

    code, _, err = triage(
        "jobs", "enqueue", "recommend-for-award", "notyet000000000000000000",
        "--reason", "x",
    )  # fmt: skip
    assert code == 1
    assert "trainee 7 is TRN received, not recommended for award" in err

    code, out, _ = triage(
        "jobs", "enqueue", "recommend-for-award", "awardme00000000000000000",
        "--reason", "award job lost", "--json",
    )  # fmt: skip
    assert code == 0, out
    job = json.loads(redis_client.lindex("queue:dqt", 0))
    assert (job["wrapped"], job["retry"]) == ("Dqt::RecommendForAwardJob", True)

    code, _, err = triage(
        "jobs", "enqueue", "recommend-for-award", "awardme00000000000000000",
        "--reason", "again",
    )  # fmt: skip
    assert code == 1
    assert "already has a Dqt::RecommendForAwardJob on its way" in err


def _journal(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "data" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_journal_names_the_trainees_and_nothing_to_do_is_not_applied(
    triage: Any, redis_client: Any, engine: Any, tmp_path: Path
) -> None:
    from tests.fixes.helpers import add_failed_job, trainee_gid

    add_provider(engine)
    add_trainee(engine, 8, slug="DelMe0000000000000000000")
    update = "Dqt::UpdateTraineeJob"
    add_failed_job(redis_client, update, [trainee_gid(8)], jid="d" * 24)
    add_failed_job(redis_client, update, [trainee_gid(9)], jid="e" * 24)

    code, _, _ = triage("jobs", "delete", "d" * 24, "--reason", "race, compared")
    assert code == 0
    code, _, _ = triage("jobs", "retry", "e" * 24, "--reason", "DQT was down")
    code, _, _ = triage("jobs", "retry", "f" * 24, "--reason", "no such job")
    assert code == 1

    deleted, retried, nothing = _journal(tmp_path)
    assert deleted["action"] == "jobs.delete"
    assert deleted["target"]["trainee_ids"] == [8]
    assert deleted["detail"]["outcomes"][0]["trainee_id"] == 8
    # Trainee 9 does not exist: the job's own argument still names it.
    assert retried["action"] == "jobs.retry"
    assert retried["detail"]["outcomes"][0]["trainee_id"] == 9
    assert nothing["outcome"] == "refused"
    assert nothing["summary"] == "jobs.retry: nothing to do"


def test_list_text_names_the_trainee(
    triage: Any, redis_client: Any, engine: Any
) -> None:
    from tests.fixes.helpers import add_failed_job, trainee_gid

    add_provider(engine)
    add_trainee(engine, 41, first_names="Bea", last_name="Bothfailed")
    update = "Dqt::UpdateTraineeJob"
    add_failed_job(redis_client, update, [trainee_gid(41)], jid="b" * 24)
    add_failed_job(redis_client, update, [trainee_gid(42)], jid="c" * 24)

    code, out, _ = triage("jobs", "list")

    assert code == 0
    named = next(line for line in out.splitlines() if "b" * 24 in line)
    assert "Bea Bothfailed #41" in named
    missing = next(line for line in out.splitlines() if "c" * 24 in line)
    assert "trainee 42 not found" in missing


def test_retry_of_an_award_waits_for_the_update_unless_forced(
    triage: Any, redis_client: Any, engine: Any
) -> None:
    from tests.fixes.helpers import add_failed_job, trainee_gid

    add_provider(engine)
    add_trainee(engine, 43, state=3, trn="2000043")
    add_failed_job(
        redis_client, "Dqt::UpdateTraineeJob", [trainee_gid(43)], jid="u" * 24
    )
    award = "Dqt::RecommendForAwardJob"
    add_failed_job(redis_client, award, [trainee_gid(43)], jid="w" * 24)

    code, out, _ = triage("jobs", "retry", "w" * 24, "--preview")
    assert code == 0  # shown
    assert f"skip {'w' * 24}: " in out
    assert "ordered retry (fix ordered_retry)" in out

    code, out, _ = triage("jobs", "retry", "w" * 24, "--reason", "award")
    assert code == 1
    assert "1 skipped (update job first)" in out
    assert redis_client.llen("queue:dqt") == 0

    code, out, _ = triage("jobs", "retry", "w" * 24, "--reason", "DQT said", "--force")
    assert code == 0, out
    assert json.loads(redis_client.lindex("queue:dqt", 0))["jid"] == "w" * 24
