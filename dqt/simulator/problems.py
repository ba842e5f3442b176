"""The simulated API's error answers: DQT's error registry and its three body shapes.

A rule that refuses a request raises `ApiProblem`; the app turns it into a response
with `application/problem+json`. Bodies match the real API's members exactly: coded
errors carry `title`, `status`, `errorCode`; validation errors carry `type`, `title`,
`status` and `errors` (keys are JSON paths, values lists of messages).
"""

from __future__ import annotations

from typing import Any

# DQT's error registry: code -> title (the later titles where they were renamed).
TITLES: dict[int, str] = {
    10001: "Teacher with specified TRN not found",
    10002: "Multiple teachers found",
    10003: "Teacher already has QTS/EYTS date",
    10004: "Teacher has multiple incomplete ITT records",
    10005: "Teacher has no incomplete ITT record",
    10006: "Teacher has no QTS record",
    10007: "Teacher has multiple QTS records",
    10008: "Organisation not found",
    10009: "Subject not found",
    10010: "Country not found",
    10011: "ProgrammeType cannot be changed",
    10012: "ITT qualification not found",
    10013: "HE qualification not found",
    10018: "Husid registered for an existing teacher",
    10024: "InTraining not permitted for AssessmentOnlyRoute programme types.",
    10025: "UnderAssessment only permitted for AssessmentOnlyRoute programme types.",
    10026: "Result cannot be unwithdrawn to deferred",
    10027: "Unable to change Failed Result.",
}

# Codes the itt-outcome and update actions map away from the default 400.
CODED_STATUS = {10001: 404, 10002: 409}

VALIDATION_TYPE = "https://tools.ietf.org/html/rfc7231#section-6.5.1"
VALIDATION_TITLE = "One or more validation errors occurred."
NOT_FOUND_TYPE = "https://tools.ietf.org/html/rfc7231#section-6.5.4"
RATE_LIMIT_TITLE = "API calls quota exceeded"


class ApiProblem(Exception):
    """A refusal: the status to answer and the JSON body (None for an empty body)."""

    def __init__(self, status: int, body: dict[str, Any] | None) -> None:
        self.status = status
        self.body = body
        super().__init__(f"{status} {body}")


def coded(code: int) -> ApiProblem:
    status = CODED_STATUS.get(code, 400)
    return ApiProblem(
        status, {"title": TITLES[code], "status": status, "errorCode": code}
    )


def validation(errors: dict[str, list[str]]) -> ApiProblem:
    return ApiProblem(
        400,
        {
            "type": VALIDATION_TYPE,
            "title": VALIDATION_TITLE,
            "status": 400,
            "errors": errors,
        },
    )


def invalid(key: str, message: str) -> ApiProblem:
    return validation({key: [message]})


def coded_as_validation(key: str, code: int) -> ApiProblem:
    """How the update action reports a registry error: its title under a JSON path."""
    return invalid(key, TITLES[code])


def not_found() -> ApiProblem:
    """ASP.NET Core's default body for a bare `NotFound()`."""
    return ApiProblem(
        404, {"type": NOT_FOUND_TYPE, "title": "Not Found", "status": 404}
    )


def server_error() -> ApiProblem:
    """An unhandled exception in the real API: 500 with no body."""
    return ApiProblem(500, None)


def rate_limited(limit: int, period_seconds: int) -> dict[str, Any]:
    return {
        "title": RATE_LIMIT_TITLE,
        "detail": f"A maximum of {limit} calls per {period_seconds}s are permitted.",
        "status": 429,
    }
