"""Every playbook case, from payloads real Sidekiq wrote and from the public reports."""

from __future__ import annotations

import json

import pytest

from services.playbook import (
    AWARD_JOB,
    CASES,
    REGISTER_JOB,
    UPDATE_JOB,
    classify,
    needs_ordered_retry,
    trainee_notes,
)
from services.sidekiq.jobs import FailedJob, parse_member
from tests.sidekiq.sidekiq_cases import (
    CAPTURED_FAILURES,
    capture,
    captured_trainee,
    report_members,
)

# The case each captured failure (`CAPTURED_FAILURES`) must be, for jobs with error
# text; a few failures are a different case for another job class.
FAILURE_CASE = {
    "http_404_teacher_not_found": "teacher_not_found_10001",
    "http_400_no_qts_record": "no_qts_record_10006",
    "http_400_org_not_found": "organisation_not_found",
    "http_400_already_has_qts": "already_has_qts_race",
    "http_500_html": "dqt_500",
    "http_500_empty": "dqt_500",
    "missing_trn": "update_missing_trn",
    "poll_timeout": "retrieve_trn_timeout",
}


def _captured_jobs() -> list[FailedJob]:
    return [
        parse_member(name, entry["payload_string"], entry["score"])
        for name in ("dead", "retry", "schedule")
        for entry in capture("captured-app-options", name)
    ]


def _first_of_case(key: str) -> FailedJob:
    return next(job for job in _captured_jobs() if classify(job).key == key)


def _trainee_of(job: FailedJob) -> int:
    assert job.target is not None
    return captured_trainee(job.target.model, int(job.target.id))


def test_every_captured_failure_is_its_playbook_case() -> None:
    jobs = [job for job in _captured_jobs() if job.where != "schedule"]
    assert len(jobs) == 27
    for job in jobs:
        failure = CAPTURED_FAILURES[_trainee_of(job)]
        if failure == "http_400_no_incomplete_itt":
            expected = "no_incomplete_itt_withdraw"  # all captured ones are withdraws
            assert job.job_class == "Dqt::WithdrawTraineeJob"
        elif failure == "http_400_already_has_qts" and job.job_class == REGISTER_JOB:
            # A TRN request refused this way is a person DQT already has.
            expected = "trn_request_already_qualified"
        else:
            expected = FAILURE_CASE[failure]
        assert classify(job).key == expected, (job.jid, failure)


def test_scheduled_activejob_retries_say_retrying_not_a_status() -> None:
    scheduled = [job for job in _captured_jobs() if job.where == "schedule"]
    assert len(scheduled) == 13
    for job in scheduled:
        result = classify(job)
        assert result.key == "activejob_retrying"
        assert result.signal == "[Dqt::Client::HttpError] x1"


def test_10005_from_the_award_job() -> None:
    withdraw = _first_of_case("no_incomplete_itt_withdraw")
    member = withdraw.raw.decode().replace(
        "Dqt::WithdrawTraineeJob", "Dqt::RecommendForAwardJob"
    )
    result = classify(parse_member("retry", member, 1.0))
    assert result.key == "no_incomplete_itt_award"
    assert result.case.fixes == ("award_on_register",)
    assert result.case.needs_dqt_comparison


def test_10005_from_another_job_is_unclassified_with_its_error_shown() -> None:
    withdraw = _first_of_case("no_incomplete_itt_withdraw")
    member = withdraw.raw.decode().replace("Dqt::WithdrawTraineeJob", "Dqt::OtherJob")
    result = classify(parse_member("dead", member, 1.0))
    assert result.key == "unclassified"
    assert result.error_summary == "400 · 10005 Teacher has no incomplete ITT record"


def test_10006_no_qts_record() -> None:
    payload = json.loads(report_members("B06")[0])
    payload["error_message"] = (
        'status: 400, body: {"title":"Teacher has no QTS record","status":400,'
        '"errorCode":10006}, headers: {}'
    )
    result = classify(parse_member("dead", json.dumps(payload), 1.0))
    assert result.key == "no_qts_record_10006"
    assert result.signal == "HTTP 400, errorCode 10006"


def test_other_5xx_is_a_server_error_and_unknown_errors_are_unclassified() -> None:
    payload = json.loads(report_members("B06")[0])
    payload["error_message"] = (
        "status: 502, body: <html>Bad gateway</html>, headers: {}"
    )
    assert classify(parse_member("dead", json.dumps(payload), 1.0)).key == "dqt_500"

    payload["error_class"] = "NoMethodError"
    payload["error_message"] = "undefined method `trn' for nil:NilClass"
    result = classify(parse_member("dead", json.dumps(payload), 1.0))
    assert result.key == "unclassified"
    assert result.error_summary == "undefined method `trn' for nil:NilClass"


def test_b06_both_wrapper_names_and_a_missing_wrapped() -> None:
    jobs = [parse_member("dead", m, 1685610001.0) for m in report_members("B06")]
    assert [job.wrapper_class for job in jobs] == [
        "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper",
        "Sidekiq::ActiveJob::Wrapper",
        "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper",
    ]
    for job in jobs:
        assert job.is_activejob
        assert job.job_class == UPDATE_JOB
        assert str(job.target) == "Trainee/606"
        assert classify(job).key == "teacher_not_found_10001"
        assert classify(job).case.title == "TRN not found on DQT (10001)"


def test_b07_deserialization_error_is_trainee_missing() -> None:
    result = classify(parse_member("dead", report_members("B07")[0], 1.0))
    assert result.key == "trainee_missing"
    assert result.case.fixes == ("delete_job",)


def test_b08_update_refused_after_award() -> None:
    result = classify(parse_member("dead", report_members("B08")[0], 1.0))
    assert result.key == "already_has_qts_race"
    assert result.case.title == "Update refused: QTS/EYTS already on DQT"
    assert result.case.fixes == ("delete_job",)
    assert result.case.needs_dqt_comparison
    assert not result.case.retry_advised


def test_b09_405_on_update_is_no_trn_yet() -> None:
    result = classify(parse_member("dead", report_members("B09")[0], 1.0))
    assert result.key == "no_trn_yet_405"
    assert result.case.title == "No TRN yet (pending TRN)"
    assert result.case.fixes == ("delete_job",)
    assert not result.case.retry_advised


def test_b03_unreadable_member() -> None:
    job = parse_member("retry", report_members("B03")[0], 1717007200.0)
    assert not job.readable
    assert job.parse_error == "unreadable JSON: Expecting ',' delimiter at char 460"
    assert job.jid == "0b03c0ffee0b03c0ffee0b03"
    assert job.job_class == "Dqt::RecommendForAwardJob"
    result = classify(job)
    assert result.key == "unreadable"
    assert result.case.fixes == ("delete_job",)


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (b"not json at all", "unreadable"),
        (b"[1, 2, 3]", "unreadable"),
        (b'"a string"', "unreadable"),
        (b"\xff\xfe{}", "unreadable"),
        (b'{"jid":"abc","args":[]}', "malformed"),
        (b'{"class":"Dqt::UpdateTraineeJob","jid":"abc"}', "malformed"),
        (b'{"class":"Some::UnknownJob","args":[1],"jid":"abc"}', "unclassified"),
        (
            b'{"class":"X","args":[],"jid":"a","error_class":"Dqt::Client::HttpError",'
            b'"error_message":"status: 500, body: "}',
            "dqt_500",
        ),
        (
            b'{"class":"X","args":[],"jid":"a","error_class":"Dqt::Client::HttpError",'
            b'"error_message":"status: 404, body: {\\"title\\":\\"Teacher with spe'
            b'"}',
            "unclassified",
        ),
        (
            b'{"class":"X","args":[],"jid":"a","error_class":"RuntimeError",'
            b'"error_message":""}',
            "unclassified",
        ),
    ],
)
def test_bad_input_is_labelled_never_raised(member: bytes, expected: str) -> None:
    job = parse_member("dead", member, 1.0)
    assert classify(job).key == expected


def test_a_trainee_with_failed_update_and_award_needs_the_update_first() -> None:
    update = parse_member("dead", report_members("B08")[0], 1.0)
    award_payload = json.loads(report_members("B08")[0])
    award_payload["wrapped"] = AWARD_JOB
    award_payload["args"][0]["job_class"] = AWARD_JOB
    award = parse_member("retry", json.dumps(award_payload), 2.0)

    assert needs_ordered_retry([update, award])
    assert not needs_ordered_retry([update])
    notes = trainee_notes([award, update])
    assert len(notes) == 1
    assert "re-run the update job first" in notes[0]


def test_every_case_has_words_and_known_fixes() -> None:
    known_fixes = {
        "retry",
        "delete_job",
        "award_on_register",
        "align_date_of_birth",
        "reregister_for_trn",
        "restart_trn_polling",
        "degree_ukprn_lookup",
        "unwithdraw",
        "reverse_award",
        "change_route",
        "ordered_retry",
        "record_trn",
    }
    for key, case in CASES.items():
        assert case.key == key
        assert case.title and case.signal and case.explanation
        assert set(case.fixes) <= known_fixes


def _register_for_trn_refused_as_qualified() -> FailedJob:
    payload = json.loads(report_members("B08")[0])
    payload["wrapped"] = "Dqt::RegisterForTrnJob"
    payload["args"][0]["job_class"] = "Dqt::RegisterForTrnJob"
    return parse_member("dead", json.dumps(payload), 1.0)


def test_trn_request_refused_as_already_qualified_is_not_the_race() -> None:
    job = _register_for_trn_refused_as_qualified()
    assert "Teacher already has QTS/EYTS date" in (job.error_message or "")

    result = classify(job)

    assert result.key == "trn_request_already_qualified"
    assert result.case.title == (
        "TRN request refused: person already has QTS/EYTS on DQT"
    )
    assert "not the award/update race" in result.case.explanation
    assert "ask the DQT team" in result.case.explanation
    assert result.case.fixes == ("delete_job",)
    assert result.case.needs_dqt_comparison
    assert not result.case.retry_advised
