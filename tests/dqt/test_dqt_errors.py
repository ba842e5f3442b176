"""Reading Register's stored DQT job errors, and the client's error type."""

from __future__ import annotations

import json
import random

import pytest

from dqt.errors import (
    SIDEKIQ_MESSAGE_LIMIT,
    DqtApiError,
    parse_job_error,
    parse_ruby_headers,
)
from tests.sidekiq.sidekiq_cases import CAPTURED_FAILURES, capture, captured_trainee

HTTP_ERROR = "Dqt::Client::HttpError"
HEADERS = (
    '{"date"=>["Tue, 18 Oct 2022 09:41:27 GMT"], '
    '"content-type"=>["application/problem+json; charset=utf-8"]}'
)


def _captured_jobs() -> list[tuple[int, dict]]:
    """(trainee id, payload) of every captured job that failed with error text."""
    jobs = []
    for name in ("dead", "retry"):
        for entry in capture("captured-app-options", name):
            payload = json.loads(entry["payload_string"])
            gid = payload["args"][0]["arguments"][0]["_aj_globalid"]
            model, record_id = gid.rsplit("/", 2)[1:]
            jobs.append((captured_trainee(model, int(record_id)), payload))
    return jobs


CAPTURED = _captured_jobs()


def test_every_captured_job_is_covered() -> None:
    assert sorted(tid for tid, _ in CAPTURED) == sorted(CAPTURED_FAILURES)


@pytest.mark.parametrize(
    ("trainee_id", "payload"), CAPTURED, ids=[f"trainee-{t}" for t, _ in CAPTURED]
)
def test_captured_error_messages(trainee_id: int, payload: dict) -> None:
    parsed = parse_job_error(payload["error_class"], payload["error_message"])
    failure = CAPTURED_FAILURES[trainee_id]

    assert "\n" not in parsed.summary
    if failure == "http_404_teacher_not_found":
        assert (parsed.kind, parsed.status, parsed.error_code) == ("http", 404, 10001)
        assert parsed.title == "Teacher with specified TRN not found"
        assert parsed.body_kind == "json"
        assert parsed.headers["content-length"] == ["79"]
    elif failure == "http_400_no_incomplete_itt":
        assert (parsed.status, parsed.error_code) == (400, 10005)
        assert parsed.title == "Teacher has no incomplete ITT record"
    elif failure == "http_400_org_not_found":
        assert parsed.status == 400 and parsed.error_code is None
        assert parsed.errors == {
            "qualification.providerUkprn": ["Organisation not found"]
        }
        assert "qualification.providerUkprn: Organisation not found" in parsed.summary
    elif failure == "http_400_already_has_qts":
        assert parsed.errors == {
            "initialTeacherTraining.programmeType": [
                "Teacher already has QTS/EYTS date"
            ]
        }
    elif failure == "http_500_empty":
        assert (parsed.status, parsed.body_kind, parsed.body) == (500, "empty", "")
        assert parsed.summary == "500 · empty body"
        assert parsed.headers["content-type"] == ["text/plain"]
    elif failure == "http_500_html":
        assert (parsed.status, parsed.body_kind) == (500, "html")
        assert parsed.title == "Service unavailable – Database of Qualified Teachers"
        assert parsed.body.startswith("<!DOCTYPE html>")
        assert parsed.body.endswith("</html>")
    elif failure == "missing_trn":
        assert parsed.kind == "missing_trn"
        assert parsed.trainee_id == trainee_id
    elif failure == "poll_timeout":
        assert parsed.kind == "poll_timeout"
        assert parsed.trainee_id == trainee_id
    else:  # pragma: no cover - the table above names every failure
        pytest.fail(f"no expectation for {failure}")


@pytest.mark.parametrize(
    ("body", "status", "code", "title"),
    [
        (
            '{"title":"Teacher with specified TRN not found","status":404,'
            '"errorCode":10001}',
            404,
            10001,
            "Teacher with specified TRN not found",
        ),
        (
            '{"title":"Teacher has no QTS record","status":400,"errorCode":10006}',
            400,
            10006,
            "Teacher has no QTS record",
        ),
        (
            '{"title":"Teacher has no incomplete ITT record","status":400,'
            '"errorCode":10005}',
            400,
            10005,
            "Teacher has no incomplete ITT record",
        ),
    ],
)
def test_playbook_coded_errors(body: str, status: int, code: int, title: str) -> None:
    parsed = parse_job_error(HTTP_ERROR, f"status: {status}, body: {body}")

    # The playbook quotes the text without headers; that is a cut message.
    assert (parsed.kind, parsed.status, parsed.error_code) == ("http", status, code)
    assert parsed.title == title
    assert parsed.body == body
    assert parsed.headers_text is None and parsed.truncated


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("qualification.providerUkprn", "Organisation not found"),
        ("initialTeacherTraining.programmeType", "Teacher already has QTS/EYTS date"),
    ],
)
def test_playbook_validation_errors(key: str, message: str) -> None:
    body = json.dumps(
        {
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {key: [message]},
        }
    )
    parsed = parse_job_error(
        HTTP_ERROR, f"status: 400, body: {body}, headers: {HEADERS}"
    )

    assert parsed.errors == {key: [message]}
    assert parsed.is_validation
    assert not parsed.truncated
    assert parsed.headers["content-type"] == ["application/problem+json; charset=utf-8"]


def test_playbook_plain_texts() -> None:
    timeout = parse_job_error(
        "Dqt::RetrieveTrnJob::PollTimeout",
        "Dqt::RetrieveTrnJob for Trainee id: 142 has timed out after 4 days.",
    )
    missing = parse_job_error(
        "Dqt::TraineeUpdate::TraineeUpdateMissingTrn",
        "Cannot update trainee on DQT without a trn (id: 142508)",
    )

    assert (timeout.kind, timeout.trainee_id) == ("poll_timeout", 142)
    assert (missing.kind, missing.trainee_id) == ("missing_trn", 142508)
    assert missing.summary == "Cannot update trainee on DQT without a trn (id: 142508)"


def test_rate_limited_429() -> None:
    body = (
        '{"title":"API calls quota exceeded","detail":"A maximum of 300 calls per '
        '60s are permitted.","status":429}'
    )
    parsed = parse_job_error(
        HTTP_ERROR, f"status: 429, body: {body}, headers: {HEADERS}"
    )

    assert (parsed.status, parsed.title, parsed.error_code) == (
        429,
        "API calls quota exceeded",
        None,
    )
    assert parsed.summary == "429 · API calls quota exceeded"


def test_body_cut_at_sidekiq_limit() -> None:
    errors = {
        f"initialTeacherTraining.subject{i}": ["Subject not found"] * 40
        for i in range(60)
    }
    body = json.dumps({"status": 400, "errors": errors})
    message = f"status: 400, body: {body}, headers: {HEADERS}"[:SIDEKIQ_MESSAGE_LIMIT]

    parsed = parse_job_error(HTTP_ERROR, message)

    assert (parsed.kind, parsed.status) == ("http", 400)
    assert parsed.body_kind == "truncated_json"
    assert parsed.truncated and parsed.headers_text is None
    assert parsed.errors == {}
    assert "cut at 10,000 characters" in parsed.summary


def test_html_body_containing_the_headers_marker() -> None:
    page = (
        "<html><head><title>Erreur – serveur</title></head><body>"
        "<p>status: 500, body: x, headers: {oops}</p></body></html>"
    )
    parsed = parse_job_error(
        HTTP_ERROR, f"status: 502, body: {page}, headers: {HEADERS}"
    )

    assert parsed.body == page
    assert parsed.body_kind == "html"
    assert parsed.title == "Erreur – serveur"
    assert parsed.headers["date"] == ["Tue, 18 Oct 2022 09:41:27 GMT"]


def test_plain_text_body() -> None:
    parsed = parse_job_error(HTTP_ERROR, "status: 503, body: upstream connect error")

    assert (parsed.body_kind, parsed.body) == ("text", "upstream connect error")
    assert parsed.summary.startswith("503 · upstream connect error")


@pytest.mark.parametrize(
    ("error_class", "message", "kind", "summary"),
    [
        (HTTP_ERROR, None, "empty", "Dqt::Client::HttpError: (no error message)"),
        (None, "", "empty", "(no error message)"),
        (None, "   \n ", "empty", "(no error message)"),
        (HTTP_ERROR, "status: ???, body: x", "unparsed", "status: ???, body: x"),
        (HTTP_ERROR, "Net::ReadTimeout\nline two", "unparsed", "Net::ReadTimeout"),
        ("RuntimeError", "something\nelse", "other", "something"),
        ("DqtNoAwardDateError", "DqtNoAwardDateError", "other", "DqtNoAwardDateError"),
        ("NoMethodError", "\x00\xff garbage {[", "other", "\x00\xff garbage {["),
    ],
)
def test_malformed_and_foreign_texts(
    error_class: str | None, message: str | None, kind: str, summary: str
) -> None:
    parsed = parse_job_error(error_class, message)

    assert (parsed.kind, parsed.summary) == (kind, summary)
    assert parsed.status is None


def test_deserialization_error() -> None:
    parsed = parse_job_error(
        "ActiveJob::DeserializationError",
        "Error while trying to deserialize arguments: Couldn't find Trainee with "
        "'id'=77",
    )

    assert (parsed.kind, parsed.trainee_id) == ("deserialization", 77)


def test_non_string_inputs_never_raise() -> None:
    parsed = parse_job_error(12, ["status: 404"])  # type: ignore[arg-type]

    assert parsed.kind == "empty"


def test_ruby_headers_unreadable() -> None:
    assert parse_ruby_headers('{"a"=>') == {}
    assert parse_ruby_headers(None) == {}


def test_api_error_from_response() -> None:
    error = DqtApiError.from_response(
        400,
        '{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1",'
        '"title":"One or more validation errors occurred.","status":400,'
        '"errors":{"initialTeacherTraining.providerUkprn":["Organisation not found"]}}',
        method="PATCH",
        path="/v2/teachers/update/{trn}",
    )

    assert error.status == 400 and error.error_code is None
    assert error.errors == {
        "initialTeacherTraining.providerUkprn": ["Organisation not found"]
    }
    assert str(error) == (
        "PATCH /v2/teachers/update/{trn}: DQT answered 400, One or more validation "
        "errors occurred. "
        "(initialTeacherTraining.providerUkprn: Organisation not found)"
    )


def test_api_error_with_empty_and_html_bodies() -> None:
    empty = DqtApiError.from_response(500, "")
    page = DqtApiError.from_response(500, "<html><h1>Boom</h1></html>")

    assert str(empty) == "DQT answered 500"
    assert page.title == "Boom" and page.raw_body == "<html><h1>Boom</h1></html>"


def test_random_texts_never_raise() -> None:
    rng = random.Random(20221018)
    pieces = ["status: ", "500", ", body: ", ", headers: {", "{", "}", '"',
              "=>", "<html>", "\n", "é", "\x00", "(id: ", "42", ")", "errors",
              "[", "]"]  # fmt: skip

    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        parsed = parse_job_error(rng.choice([None, HTTP_ERROR, "X"]), text)

        assert "\n" not in parsed.summary
        assert parsed.kind in {"http", "missing_trn", "poll_timeout", "other",
                               "empty", "unparsed", "deserialization"}  # fmt: skip
