"""DQT API errors: the client's exception and the reader of Register's job errors.

Register's `Dqt::Client` turned every unsuccessful response into one line of text,
`status: <code>, body: <raw body>, headers: <ruby hash>`, and Sidekiq stored that text
as the job's `error_message` (cut at 10,000 characters). `parse_job_error` reads that
text back into a `ParsedJobError`; it never raises, whatever it is given. The client
builds a `DqtApiError` from a live response with `DqtApiError.from_response`; both share
the body reader below, so a stored error and a live one look the same to the product.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

# Sidekiq 6/7 keep at most this many characters of an exception message.
SIDEKIQ_MESSAGE_LIMIT = 10_000

# Longest summary line, for list views.
SUMMARY_LIMIT = 160

JobErrorKind = Literal[
    "http",
    "missing_trn",
    "poll_timeout",
    "deserialization",
    "other",
    "empty",
    "unparsed",
]
BodyKind = Literal["json", "empty", "html", "text", "truncated_json"]

_HTTP_PREFIX = re.compile(r"\Astatus: (\d{3}), body: ", re.DOTALL)
_HEADERS_MARKER = ", headers: {"
_MISSING_TRN = re.compile(r"without a trn \(id: (\d+)\)", re.IGNORECASE)
_POLL_TIMEOUT = re.compile(r"for Trainee id: (\d+) has timed out", re.IGNORECASE)
_DESERIALIZATION_ID = re.compile(r"Couldn't find Trainee with 'id'=(\d+)")
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ErrorBody:
    """What a DQT response body said, whatever its form."""

    kind: BodyKind
    text: str
    error_code: int | None = None
    title: str | None = None
    detail: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    json: dict[str, Any] | None = None


@dataclass(frozen=True)
class ParsedJobError:
    """A Sidekiq job's error, read into fields the product can act on.

    `kind` says which family the error is in; `body_kind` how the response body
    looked (only meaningful for kind "http"). `summary` is one line for list views.
    """

    kind: JobErrorKind
    summary: str
    error_class: str | None = None
    status: int | None = None
    error_code: int | None = None
    title: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    body_kind: BodyKind | None = None
    body: str = ""
    headers_text: str | None = None
    trainee_id: int | None = None
    truncated: bool = False
    message: str = ""

    @property
    def headers(self) -> dict[str, list[str]]:
        """The response headers, when the Ruby hash text could be read."""
        return parse_ruby_headers(self.headers_text)

    @property
    def is_validation(self) -> bool:
        return self.kind == "http" and bool(self.errors)


class DqtApiError(Exception):
    """The DQT API answered with a status the call does not accept."""

    def __init__(
        self,
        status: int | None,
        raw_body: str = "",
        *,
        error_code: int | None = None,
        title: str | None = None,
        errors: dict[str, list[str]] | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.raw_body = raw_body
        self.error_code = error_code
        self.title = title
        self.errors: dict[str, list[str]] = errors or {}
        self.method = method
        self.path = path
        super().__init__(str(self))

    @classmethod
    def from_response(
        cls,
        status: int,
        body_text: str,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> DqtApiError:
        body = read_body(body_text)
        return cls(
            status,
            body_text,
            error_code=body.error_code,
            title=body.title,
            errors=body.errors,
            method=method,
            path=path,
        )

    def __str__(self) -> str:
        where = f"{self.method} {self.path}: " if self.method and self.path else ""
        parts = [f"DQT answered {self.status}"]
        if self.error_code is not None:
            parts.append(f"error {self.error_code}")
        if self.title:
            parts.append(self.title)
        text = where + ", ".join(parts)
        if self.errors:
            text += " (" + _errors_text(self.errors) + ")"
        elif not self.title and self.raw_body.strip():
            text += ": " + _one_line(self.raw_body, 120)
        return text


def read_body(text: str | None) -> ErrorBody:
    """Classify a response body and pull out the ProblemDetails members if any."""
    text = text or ""
    stripped = text.strip()
    if not stripped:
        return ErrorBody(kind="empty", text=text)

    if stripped[0] in "{[":
        try:
            data = json.loads(stripped)
        except ValueError:
            return ErrorBody(kind="truncated_json", text=text)
        if not isinstance(data, dict):
            return ErrorBody(kind="text", text=text)
        return ErrorBody(
            kind="json",
            text=text,
            error_code=_as_int(data.get("errorCode")),
            title=_as_str(data.get("title")),
            detail=_as_str(data.get("detail")),
            errors=_as_errors(data.get("errors")),
            json=data,
        )

    if stripped.startswith("<") or "<html" in stripped[:500].lower():
        return ErrorBody(kind="html", text=text, title=_html_title(stripped))
    return ErrorBody(kind="text", text=text)


def parse_job_error(
    error_class: str | None, error_message: str | None
) -> ParsedJobError:
    """Read a job's `error_class` and `error_message`; never raises."""
    try:
        return _parse(error_class, error_message)
    except Exception as error:  # a reader bug must not take a list view down
        first = _first_line(error_message if isinstance(error_message, str) else "")
        return ParsedJobError(
            kind="unparsed",
            summary=first or f"unreadable error ({type(error).__name__})",
            error_class=error_class,
            message=error_message if isinstance(error_message, str) else "",
        )


def parse_ruby_headers(text: str | None) -> dict[str, list[str]]:
    """Read HTTParty's headers hash (`{"date"=>["..."], ...}`); {} when unreadable."""
    if not text:
        return {}
    try:
        data = json.loads(text.replace('"=>', '":'))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    headers: dict[str, list[str]] = {}
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        headers[str(name).lower()] = [str(item) for item in values]
    return headers


def _parse(error_class: str | None, error_message: str | None) -> ParsedJobError:
    error_class = error_class if isinstance(error_class, str) else None
    message = error_message if isinstance(error_message, str) else ""

    if not message.strip():
        label = f"{error_class}: " if error_class else ""
        return ParsedJobError(
            kind="empty",
            summary=f"{label}(no error message)",
            error_class=error_class,
        )

    match = _HTTP_PREFIX.match(message)
    if match:
        return _parse_http(error_class, message, int(match.group(1)), match.end())

    missing = _MISSING_TRN.search(message)
    if missing or (error_class or "").endswith("TraineeUpdateMissingTrn"):
        return ParsedJobError(
            kind="missing_trn",
            summary=_one_line(message, SUMMARY_LIMIT),
            error_class=error_class,
            trainee_id=int(missing.group(1)) if missing else None,
            message=message,
        )

    timeout = _POLL_TIMEOUT.search(message)
    if timeout:
        return ParsedJobError(
            kind="poll_timeout",
            summary=_one_line(message, SUMMARY_LIMIT),
            error_class=error_class,
            trainee_id=int(timeout.group(1)),
            message=message,
        )

    if "DeserializationError" in (error_class or "") or message.startswith(
        "Error while trying to deserialize"
    ):
        found = _DESERIALIZATION_ID.search(message)
        return ParsedJobError(
            kind="deserialization",
            summary=_one_line(message, SUMMARY_LIMIT),
            error_class=error_class,
            trainee_id=int(found.group(1)) if found else None,
            message=message,
        )

    # An HTTP error whose text is not Register's format, or a text that starts like
    # it but breaks off, is reported as unparsed rather than guessed at.
    looks_http = message.startswith("status:") or (error_class or "").endswith(
        "HttpError"
    )
    return ParsedJobError(
        kind="unparsed" if looks_http else "other",
        summary=_first_line(message),
        error_class=error_class,
        message=message,
    )


def _parse_http(
    error_class: str | None, message: str, status: int, body_start: int
) -> ParsedJobError:
    rest = message[body_start:]

    # The body may itself contain ", headers: {" (an HTML page can), while the
    # headers hash never does, so the last marker is the real separator.
    cut = rest.rfind(_HEADERS_MARKER)
    if cut >= 0:
        body_text = rest[:cut]
        headers_text: str | None = rest[cut + len(_HEADERS_MARKER) - 1 :]
        truncated = False
    else:
        body_text = rest
        headers_text = None
        truncated = True

    body = read_body(body_text)
    summary = _http_summary(status, body, truncated)
    return ParsedJobError(
        kind="http",
        summary=summary,
        error_class=error_class,
        status=status,
        error_code=body.error_code,
        title=body.title,
        errors=body.errors,
        body_kind=body.kind,
        body=body_text,
        headers_text=headers_text,
        truncated=truncated,
        message=message,
    )


def _http_summary(status: int, body: ErrorBody, truncated: bool) -> str:
    if body.errors:
        said = _errors_text(body.errors)
    elif body.kind == "json":
        code = f"{body.error_code} " if body.error_code is not None else ""
        said = f"{code}{body.title or _one_line(body.text, 100)}"
    elif body.kind == "empty":
        said = "empty body"
    elif body.kind == "html":
        said = f"HTML page: {body.title}" if body.title else "HTML page"
    elif body.kind == "truncated_json":
        said = "JSON body cut off"
    else:
        said = _one_line(body.text, 100)

    if truncated:
        said += f" (message cut at {SIDEKIQ_MESSAGE_LIMIT:,} characters)"
    return _one_line(f"{status} · {said}", SUMMARY_LIMIT)


def _errors_text(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{key}: {', '.join(msgs)}" for key, msgs in errors.items())


def _html_title(page: str) -> str | None:
    for pattern in (_HTML_TITLE, _HTML_HEADING):
        found = pattern.search(page)
        if found:
            title = html.unescape(_TAG.sub("", found.group(1)))
            title = _SPACES.sub(" ", title).strip()
            if title:
                return title
    return None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return _one_line(line, SUMMARY_LIMIT)
    return ""


def _one_line(text: str, limit: int) -> str:
    line = _SPACES.sub(" ", text).strip()
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _as_errors(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    errors: dict[str, list[str]] = {}
    for key, messages in value.items():
        if isinstance(messages, list):
            errors[str(key)] = [str(item) for item in messages]
        elif messages is not None:
            errors[str(key)] = [str(messages)]
    return errors
