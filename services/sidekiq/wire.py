"""Sidekiq's and ActiveJob's wire format: what a job looks like as bytes in Redis.

Sidekiq deletes a sorted-set member by its exact bytes, so anything this product
writes must be byte-for-byte what Ruby would have written, and anything it reads must
be kept as the bytes it read. Facts: ../shared/domain/sidekiq.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

SidekiqMajor = Literal["6", "7", "8"]

# Rails' own adapter (Sidekiq 6.5 and 7.x) and Sidekiq 8's adapter; both run in 8.x.
RAILS_WRAPPER = "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper"
SIDEKIQ8_WRAPPER = "Sidekiq::ActiveJob::Wrapper"
WRAPPER_CLASSES = frozenset({RAILS_WRAPPER, SIDEKIQ8_WRAPPER})

GLOBALID_APP = "register-trainee-teachers"
DATE_SERIALIZER = "ActiveJob::Serializers::DateSerializer"
SYMBOL_SERIALIZER = "ActiveJob::Serializers::SymbolSerializer"

_GLOBALID = re.compile(r"^gid://(?P<app>[^/]+)/(?P<model>[^/]+)/(?P<id>[^/?]+)")


def dumps(payload: Any) -> str:
    """JSON exactly as Ruby's generator writes it: compact, raw UTF-8, `/` unescaped."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def wrapper_class(major: SidekiqMajor) -> str:
    return SIDEKIQ8_WRAPPER if major == "8" else RAILS_WRAPPER


def new_jid() -> str:
    """24 hex characters, as `SecureRandom.hex(12)`."""
    return secrets.token_hex(12)


def encode_time(moment: datetime | float, major: SidekiqMajor) -> float | int:
    """A payload timestamp in the target version's unit: float s (6/7), int ms (8).

    A float `moment` is epoch seconds as `time.time()` gives them: a datetime holds
    only microseconds, while Ruby's `Time.now.to_f` keeps every digit of the double.
    """
    seconds = moment if isinstance(moment, float) else moment.timestamp()
    return int(round(seconds * 1000)) if major == "8" else seconds


def decode_time(value: Any) -> datetime | None:
    """Sidekiq 8's rule: a JSON float is seconds, a JSON integer is milliseconds."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, float):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, int):
            return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return None


def globalid(model: str, record_id: int | str) -> dict[str, str]:
    return {"_aj_globalid": f"gid://{GLOBALID_APP}/{model}/{record_id}"}


def parse_globalid(value: Any) -> tuple[str, str] | None:
    """(model, id) of a GlobalID string or `{"_aj_globalid": ...}` hash, else None."""
    if isinstance(value, dict):
        value = value.get("_aj_globalid")
    if not isinstance(value, str):
        return None
    match = _GLOBALID.match(value)
    if not match:
        return None
    return match["model"], match["id"]


def date_argument(day: date) -> dict[str, str]:
    return {"_aj_serialized": DATE_SERIALIZER, "value": day.isoformat()}


def symbol_argument(name: str) -> dict[str, str]:
    return {"_aj_serialized": SYMBOL_SERIALIZER, "value": name}


def new_activejob_job(
    job_class: str,
    arguments: list[Any],
    *,
    now: datetime,
    major: SidekiqMajor = "6",
    queue: str = "dqt",
    retry: bool | int = True,
    jid: str | None = None,
    job_id: str | None = None,
) -> dict[str, Any]:
    """A job as `perform_later` through Rails' Sidekiq adapter writes it to a queue.

    Key order matters only for byte equality with Ruby's output; it follows the
    payloads captured from real Sidekiq (../shared/cases/sidekiq-6.4/).
    """
    stamp = encode_time(now, major)
    activejob: dict[str, Any] = {
        "job_class": job_class,
        "job_id": job_id or str(uuid.uuid4()),
        "provider_job_id": None,
        "queue_name": queue,
        "priority": None,
        "arguments": arguments,
        "executions": 0,
        "exception_executions": {},
        "locale": "en",
        "timezone": "UTC",
        "enqueued_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return {
        "retry": retry,
        "queue": queue,
        "class": wrapper_class(major),
        "wrapped": job_class,
        "args": [activejob],
        "jid": jid or new_jid(),
        "created_at": stamp,
        "enqueued_at": stamp,
    }


# --- reading what Sidekiq wrote ---------------------------------------------

# Keys ActiveJob reserves inside a serialised hash argument.
_AJ_RESERVED_KEYS = frozenset(
    {
        "_aj_globalid",
        "_aj_serialized",
        "_aj_symbol_keys",
        "_aj_ruby2_keywords",
        "_aj_hash_with_indifferent_access",
    }
)
_JID_TEXT = re.compile(r'"jid"\s*:\s*"([^"]{1,64})"')
_JOB_CLASS_TEXT = re.compile(r'"(?:wrapped|job_class)"\s*:\s*"([^"]{1,200})"')
_CLASS_TEXT = re.compile(r'"class"\s*:\s*"([^"]{1,200})"')


@dataclass(frozen=True)
class GlobalIdRef:
    """A record an ActiveJob argument points at: `gid://app/Model/id`."""

    model: str
    id: str

    def __str__(self) -> str:
        return f"{self.model}/{self.id}"


@dataclass(frozen=True)
class Symbol:
    """A Ruby symbol argument (`:name`)."""

    name: str

    def __str__(self) -> str:
        return f":{self.name}"


@dataclass(frozen=True)
class SerializedValue:
    """An `_aj_serialized` argument this product does not decode (kept as it was)."""

    serializer: str
    value: Any

    def __str__(self) -> str:
        return f"{self.serializer.rsplit('::', 1)[-1]}({self.value!r})"


@dataclass(frozen=True)
class Keywords:
    """A hash passed as Ruby keyword arguments (`_aj_ruby2_keywords`)."""

    values: dict[str, Any]

    def __str__(self) -> str:
        return ", ".join(f"{key}: {value}" for key, value in self.values.items())


def decode_argument(value: Any) -> Any:
    """One ActiveJob argument as a Python value: GlobalIdRef, date, Symbol, ...

    Unknown serialisers and malformed values are kept, never raised on: a job list
    must show what is there.
    """
    if isinstance(value, list):
        return [decode_argument(item) for item in value]
    if not isinstance(value, dict):
        return value

    if "_aj_globalid" in value:
        found = parse_globalid(value)
        return GlobalIdRef(*found) if found else value
    serializer = value.get("_aj_serialized")
    if isinstance(serializer, str):
        return _decode_serialized(serializer, value.get("value"))

    plain = {
        key: decode_argument(item)
        for key, item in value.items()
        if key not in _AJ_RESERVED_KEYS
    }
    if "_aj_ruby2_keywords" in value:
        return Keywords(plain)
    return plain


def _decode_serialized(serializer: str, value: Any) -> Any:
    if serializer == DATE_SERIALIZER and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return SerializedValue(serializer, value)
    if serializer == SYMBOL_SERIALIZER and isinstance(value, str):
        return Symbol(value)
    return SerializedValue(serializer, value)


def decode_backtrace(value: Any) -> list[str] | None:
    """`error_backtrace` as lines: Base64 (with or without line breaks) of zlib JSON.

    Sidekiq 6.5 also accepted a plain JSON array there; so do we. None when there is
    no backtrace or it cannot be read.
    """
    if isinstance(value, list):
        return [str(line) for line in value]
    if not isinstance(value, str) or not value:
        return None
    try:
        packed = base64.b64decode("".join(value.split()), validate=True)
        lines = json.loads(zlib.decompress(packed))
    except (ValueError, zlib.error, binascii.Error):
        return None
    if not isinstance(lines, list):
        return None
    return [str(line) for line in lines]


def encode_backtrace(lines: list[str], *, line_breaks: bool = True) -> str:
    """What Sidekiq writes: MIME Base64 (60-char lines, ≤7.2.0) or strict (7.2.1+)."""
    packed = base64.b64encode(zlib.compress(dumps(lines).encode())).decode()
    if not line_breaks:
        return packed
    return "".join(packed[i : i + 60] + "\n" for i in range(0, len(packed), 60))


def scan_unreadable(text: str) -> tuple[str | None, str | None, str | None]:
    """Best-effort (jid, job class, wrapper class) from a member that is not JSON."""
    jid = _JID_TEXT.search(text)
    job_class = _JOB_CLASS_TEXT.search(text)
    wrapper = _CLASS_TEXT.search(text)
    return (
        jid.group(1) if jid else None,
        job_class.group(1) if job_class else None,
        wrapper.group(1) if wrapper else None,
    )


# --- writing what Sidekiq's own API would write ---------------------------------


def retried_payload(
    payload: dict[str, Any], *, now: datetime | float, major: SidekiqMajor
) -> dict[str, Any]:
    """The payload `SortedEntry#retry` pushes: one less retry_count, fresh enqueued_at.

    Every other field and the key order stay as they were (a dict keeps insertion
    order and assigning an existing key keeps its place).
    """
    pushed = dict(payload)
    count = pushed.get("retry_count")
    if isinstance(count, int) and not isinstance(count, bool):
        pushed["retry_count"] = count - 1
    pushed["enqueued_at"] = encode_time(now, major)
    return pushed


def queued_payload(
    payload: dict[str, Any], *, now: datetime | float, major: SidekiqMajor
) -> dict[str, Any]:
    """The payload `SortedEntry#add_to_queue` pushes: only enqueued_at changes."""
    pushed = dict(payload)
    pushed["enqueued_at"] = encode_time(now, major)
    return pushed
