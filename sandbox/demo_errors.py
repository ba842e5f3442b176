"""Job error text as Register's DQT client and jobs write it, for generated jobs.

`Dqt::Client::HttpError` messages read `status: <code>, body: <raw body>,
headers: <Ruby hash>`; the bodies are DQT's (application/problem+json). The
captured payloads in `sandbox/captured/` hold real examples of each shape.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

from sandbox.demo_cases import Failure

HTTP_ERROR = "Dqt::Client::HttpError"
PROBLEM_JSON = "application/problem+json; charset=utf-8"
VALIDATION_TYPE = "https://tools.ietf.org/html/rfc7231#section-6.5.1"

SERVER_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en">\n<head><title>Service unavailable – '
    "Database of Qualified Teachers</title></head>\n<body><h1>500 Internal Server "
    "Error</h1><p>Sorry, there is a problem with the service.</p></body>\n</html>"
)


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _coded(status: int, title: str, code: int) -> str:
    return _compact({"title": title, "status": status, "errorCode": code})


def _validation(field: str, message: str) -> str:
    return _compact(
        {
            "type": VALIDATION_TYPE,
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {field: [message]},
        }
    )


def _ruby_headers(moment: datetime, content_type: str | None, body: str) -> str:
    """The response headers as Ruby's `Hash#inspect` prints HTTParty's headers."""
    pairs = [("date", format_datetime(moment.astimezone(UTC), usegmt=True))]
    if content_type:
        pairs.append(("content-type", content_type))
    pairs.append(("content-length", str(len(body.encode("utf-8")))))
    pairs.append(("connection", "close"))
    inner = ", ".join(f'"{name}"=>["{value}"]' for name, value in pairs)
    return "{" + inner + "}"


def http_error(status: int, body: str, content_type: str | None, at: datetime) -> str:
    return f"status: {status}, body: {body}, headers: " + _ruby_headers(
        at, content_type, body
    )


def job_error(
    failure: Failure, *, trainee_id: int, record_id: int, at: datetime
) -> tuple[str, str]:
    """(error_class, error_message) for a generated job that failed this way."""
    if failure == Failure.http_404_teacher_not_found:
        body = _coded(404, "Teacher with specified TRN not found", 10001)
        return HTTP_ERROR, http_error(404, body, PROBLEM_JSON, at)
    if failure == Failure.http_400_no_qts_record:
        body = _coded(400, "Teacher has no QTS record", 10006)
        return HTTP_ERROR, http_error(400, body, PROBLEM_JSON, at)
    if failure == Failure.http_400_no_incomplete_itt:
        body = _coded(400, "Teacher has no incomplete ITT record", 10005)
        return HTTP_ERROR, http_error(400, body, PROBLEM_JSON, at)
    if failure == Failure.http_400_org_not_found:
        body = _validation("qualification.providerUkprn", "Organisation not found")
        return HTTP_ERROR, http_error(400, body, PROBLEM_JSON, at)
    if failure == Failure.http_400_already_has_qts:
        body = _validation(
            "initialTeacherTraining.programmeType", "Teacher already has QTS/EYTS date"
        )
        return HTTP_ERROR, http_error(400, body, PROBLEM_JSON, at)
    if failure == Failure.http_500_html:
        return HTTP_ERROR, http_error(
            500, SERVER_ERROR_PAGE, "text/html; charset=utf-8", at
        )
    if failure == Failure.http_500_empty:
        return HTTP_ERROR, http_error(500, "", None, at)
    if failure == Failure.http_405_empty:
        return HTTP_ERROR, http_error(405, "", None, at)
    if failure == Failure.missing_trn:
        return (
            "Dqt::TraineeUpdate::TraineeUpdateMissingTrn",
            f"Cannot update trainee on DQT without a trn (id: {trainee_id})",
        )
    if failure == Failure.poll_timeout:
        return (
            "Dqt::RetrieveTrnJob::PollTimeout",
            f"Dqt::RetrieveTrnJob for Trainee id: {trainee_id} has timed out after "
            "4 days.",
        )
    if failure == Failure.trainee_not_found:
        return _deserialization("Trainee", record_id)
    if failure == Failure.trn_request_not_found:
        return _deserialization("Dqt::TrnRequest", record_id)
    raise ValueError(f"no error text for {failure}")


def _deserialization(model: str, record_id: int) -> tuple[str, str]:
    error_class = "ActiveJob::DeserializationError"
    return error_class, (
        f"{error_class}: Error while trying to deserialize arguments: "
        f"Couldn't find {model} with 'id'={record_id}"
    )
