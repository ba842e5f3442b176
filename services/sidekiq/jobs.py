"""One Sidekiq entry read into fields the product can show and act on: `FailedJob`.

A `FailedJob` keeps the member's exact bytes (deleting means `ZREM` of exactly those
bytes) and the decoded payload; everything else is derived on first use, so that a
list of 10,000 dead jobs costs little more than decoding their JSON. Bad input never
raises here: a member that is not JSON becomes a job with `parse_error` set and a
best-effort jid and class found by plain text scan.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

import orjson

from dqt.errors import ParsedJobError, parse_job_error
from services.sidekiq import wire

SORTED_SETS = ("retry", "dead", "schedule")
QUEUE_PREFIX = "queue:"

# ActiveJob jobs whose Sidekiq class is one of the wrappers carry the real class in
# `wrapped` (or, failing that, in args[0].job_class).
_HEADERS_MARKER = ", headers: {"
_SIGNAL_CACHE_LIMIT = 4096
_signal_cache: dict[tuple[str | None, str], ParsedJobError] = {}

T = TypeVar("T")


class _lazy(Generic[T]):  # noqa: N801 - used like the decorator it stands in for
    """`functools.cached_property` without its per-access lock (Python 3.11).

    A non-data descriptor: the first access stores the value in the instance's
    `__dict__`, so later reads are plain attribute reads.
    """

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self._compute = compute
        self._name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> _lazy[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object, owner: type) -> T | _lazy[T]:
        if instance is None:
            return self
        value = self._compute(instance)
        instance.__dict__[self._name] = value
        return value


@dataclass(frozen=True, eq=False)
class FailedJob:
    """A member of `retry`, `dead` or `schedule`, or an item of a `queue:*` list.

    `where` is the set name or `queue:<name>`; `score` the sorted-set score (float
    seconds in every Sidekiq version; None for queue items); `raw` the exact bytes
    Redis held; `payload` the decoded JSON object, or None when `parse_error` says
    why it could not be read.
    """

    where: str
    score: float | None
    raw: bytes
    payload: dict[str, Any] | None
    parse_error: str | None = None

    # --- identity ------------------------------------------------------------------

    @property
    def readable(self) -> bool:
        return self.payload is not None

    @property
    def in_sorted_set(self) -> bool:
        """True for members of `retry`, `dead`, `schedule` (or any non-queue key)."""
        return not self.where.startswith(QUEUE_PREFIX)

    @_lazy
    def queue_item_of(self) -> str | None:
        """The queue name when this is a queue item, else None."""
        if self.where.startswith(QUEUE_PREFIX):
            return self.where[len(QUEUE_PREFIX) :]
        return None

    @_lazy
    def _scanned(self) -> tuple[str | None, str | None, str | None]:
        return wire.scan_unreadable(self.raw.decode("utf-8", "replace"))

    @_lazy
    def jid(self) -> str | None:
        if self.payload is None:
            return self._scanned[0]
        return _text(self.payload.get("jid"))

    @_lazy
    def wrapper_class(self) -> str | None:
        """The Sidekiq-level `class` (for ActiveJob jobs, the wrapper's name)."""
        if self.payload is None:
            return self._scanned[2]
        return _text(self.payload.get("class"))

    @property
    def is_activejob(self) -> bool:
        return self.wrapper_class in wire.WRAPPER_CLASSES or bool(self._activejob)

    @_lazy
    def _activejob(self) -> dict[str, Any] | None:
        """args[0] when it is an ActiveJob hash, else None."""
        if self.payload is None:
            return None
        args = self.payload.get("args")
        if isinstance(args, list) and args and isinstance(args[0], dict):
            first = args[0]
            if "job_class" in first or "arguments" in first:
                return first
        return None

    @_lazy
    def job_class(self) -> str | None:
        """The class doing the work: `wrapped`, else args[0].job_class, else class."""
        if self.payload is None:
            return self._scanned[1]
        wrapped = _text(self.payload.get("wrapped"))
        if wrapped:
            return wrapped
        activejob = self._activejob
        if activejob is not None and _text(activejob.get("job_class")):
            return _text(activejob.get("job_class"))
        return self.wrapper_class

    @_lazy
    def job_id(self) -> str | None:
        """ActiveJob's job_id: stable across ActiveJob-level retries (new jids)."""
        return _text(self._activejob.get("job_id")) if self._activejob else None

    @_lazy
    def provider_job_id(self) -> str | None:
        """The jid of the run that re-enqueued this one, for ActiveJob retries."""
        if not self._activejob:
            return None
        return _text(self._activejob.get("provider_job_id"))

    @_lazy
    def raw_arguments(self) -> list[Any]:
        """Arguments as stored: ActiveJob's `arguments`, else Sidekiq's `args`."""
        if self.payload is None:
            return []
        if self._activejob is not None:
            arguments = self._activejob.get("arguments")
            return arguments if isinstance(arguments, list) else []
        args = self.payload.get("args")
        return args if isinstance(args, list) else []

    @_lazy
    def arguments(self) -> list[Any]:
        """Arguments decoded: GlobalIdRef, date, Symbol, Keywords, plain values."""
        return [wire.decode_argument(value) for value in self.raw_arguments]

    @_lazy
    def target(self) -> wire.GlobalIdRef | None:
        """The first record argument (what the job is about), if any."""
        for value in self.raw_arguments:
            found = wire.parse_globalid(value)
            if found:
                return wire.GlobalIdRef(*found)
        return None

    # --- Sidekiq options and timing ------------------------------------------------

    @property
    def queue(self) -> str | None:
        if self.payload is None:
            return self.queue_item_of
        return _text(self.payload.get("queue")) or self.queue_item_of

    @property
    def retry_option(self) -> Any:
        """The `retry` option: True, False or an integer (0: straight to dead)."""
        return None if self.payload is None else self.payload.get("retry")

    @property
    def retry_count(self) -> int | None:
        if self.payload is None:
            return None
        count = self.payload.get("retry_count")
        return count if isinstance(count, int) and not isinstance(count, bool) else None

    @_lazy
    def exception_executions(self) -> dict[str, int]:
        if not self._activejob:
            return {}
        found = self._activejob.get("exception_executions")
        if not isinstance(found, dict):
            return {}
        return {str(k): v for k, v in found.items() if isinstance(v, int)}

    @property
    def executions(self) -> int | None:
        if not self._activejob:
            return None
        value = self._activejob.get("executions")
        return value if isinstance(value, int) else None

    def _time(self, key: str) -> datetime | None:
        return None if self.payload is None else wire.decode_time(self.payload.get(key))

    @property
    def created_at(self) -> datetime | None:
        return self._time("created_at")

    @property
    def enqueued_at(self) -> datetime | None:
        return self._time("enqueued_at")

    @property
    def failed_at(self) -> datetime | None:
        """First failure."""
        return self._time("failed_at")

    @property
    def retried_at(self) -> datetime | None:
        """Latest failed retry."""
        return self._time("retried_at")

    @property
    def last_failure_at(self) -> datetime | None:
        return self.retried_at or self.failed_at

    @property
    def score_time(self) -> datetime | None:
        """Next retry (retry), death (dead) or run time (schedule)."""
        return wire.decode_time(self.score) if self.score is not None else None

    @_lazy
    def backtrace(self) -> list[str] | None:
        if self.payload is None:
            return None
        return wire.decode_backtrace(self.payload.get("error_backtrace"))

    # --- the error -----------------------------------------------------------------

    @property
    def error_class(self) -> str | None:
        return None if self.payload is None else _text(self.payload.get("error_class"))

    @property
    def error_message(self) -> str | None:
        if self.payload is None:
            return None
        return _text(self.payload.get("error_message"))

    @property
    def has_error(self) -> bool:
        return self.error_class is not None or self.error_message is not None

    @_lazy
    def parsed_error(self) -> ParsedJobError | None:
        """The whole error read by `dqt.errors` (headers included), or None."""
        if not self.has_error:
            return None
        return parse_job_error(self.error_class, self.error_message)

    @_lazy
    def error_signal(self) -> ParsedJobError | None:
        """The error without its response headers: what classification looks at.

        Headers differ on every job (a date) while bodies repeat, so this reading is
        shared between jobs that failed the same way; the full reading with headers
        is `parsed_error`, made only when a job is opened.
        """
        if not self.has_error:
            return None
        message = self.error_message or ""
        cut = message.rfind(_HEADERS_MARKER) if message.startswith("status:") else -1
        key_text = message[:cut] + ", headers: {}" if cut >= 0 else message
        key = (self.error_class, key_text)
        found = _signal_cache.get(key)
        if found is None:
            if len(_signal_cache) >= _SIGNAL_CACHE_LIMIT:
                _signal_cache.clear()
            found = parse_job_error(self.error_class, key_text)
            _signal_cache[key] = found
        return found

    @_lazy
    def problems(self) -> tuple[str, ...]:
        """What makes this entry unsafe to push back as it is, in plain words."""
        if self.payload is None:
            return (self.parse_error or "unreadable",)
        found = []
        if not _text(self.payload.get("class")):
            found.append("no class")
        if not isinstance(self.payload.get("args"), list):
            found.append("no args")
        if not self.jid:
            found.append("no jid")
        return tuple(found)

    @property
    def label(self) -> str:
        """`<score>-<jid>`: the key Sidekiq's web UI uses for the same entry."""
        return f"{self.score}-{self.jid}"


def parse_member(where: str, raw: bytes | str, score: float | None) -> FailedJob:
    """Read one member; never raises, whatever the bytes are."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    try:
        # Decoding is most of the cost of listing 10,000 jobs; orjson does it in
        # about half the time of the standard library.
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # The standard library says where the JSON breaks in words people know
        # ("Expecting ',' delimiter at char 460") and accepts what orjson refuses
        # but Ruby may write (lone surrogate escapes, huge integers).
        return _parse_slowly(where, raw, score)
    if not isinstance(payload, dict):
        kind = type(payload).__name__
        return FailedJob(where, score, raw, None, f"JSON {kind}, not an object")
    return FailedJob(where, score, raw, payload)


def _parse_slowly(where: str, raw: bytes, score: float | None) -> FailedJob:
    try:
        payload = json.loads(raw)
    except UnicodeDecodeError as error:
        return FailedJob(where, score, raw, None, f"not UTF-8 at byte {error.start}")
    except json.JSONDecodeError as error:
        message = f"unreadable JSON: {error.msg} at char {error.pos}"
        return FailedJob(where, score, raw, None, message)
    except ValueError as error:
        return FailedJob(where, score, raw, None, f"unreadable JSON: {error}")
    if not isinstance(payload, dict):
        kind = type(payload).__name__
        return FailedJob(where, score, raw, None, f"JSON {kind}, not an object")
    return FailedJob(where, score, raw, payload)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
