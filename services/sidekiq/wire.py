"""Sidekiq's and ActiveJob's wire format: what a job looks like as bytes in Redis.

Sidekiq deletes a sorted-set member by its exact bytes, so anything this product
writes must be byte-for-byte what Ruby would have written, and anything it reads must
be kept as the bytes it read. Facts: ../shared/domain/sidekiq.md.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
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


def encode_time(moment: datetime, major: SidekiqMajor) -> float | int:
    """A payload timestamp in the target version's unit: float s (6/7), int ms (8)."""
    seconds = moment.timestamp()
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
