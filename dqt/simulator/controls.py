"""The simulator's test and demo controls: injected faults and the log of requests.

A fault makes matching requests (by TRN anywhere in the path, or by path prefix, and
optionally by method) answer 500 with a JSON, HTML or empty body, hang past any
sensible client timeout, or answer slowly. `times` limits how many requests it hits.
The request log lets a test assert that a request was, or was not, made.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FaultKind = Literal["error", "hang", "slow"]
ErrorBody = Literal["json", "html", "empty"]

# Long enough to pass any client timeout the product uses, short enough that a
# forgotten hang cannot keep a test run alive for long.
DEFAULT_HANG_SECONDS = 30.0

SERVER_ERROR_JSON = {
    "type": "https://tools.ietf.org/html/rfc7231#section-6.6.1",
    "title": "An error occurred while processing your request.",
    "status": 500,
}
SERVER_ERROR_HTML = (
    '<!DOCTYPE html>\n<html lang="en">\n<head><title>Service unavailable – '
    "Database of Qualified Teachers</title></head>\n<body><h1>500 Internal Server "
    "Error</h1><p>Sorry, there is a problem with the service.</p></body>\n</html>"
)


@dataclass
class Fault:
    kind: FaultKind
    trn: str | None = None
    path: str | None = None
    method: str | None = None
    status: int = 500
    body: ErrorBody = "json"
    delay: float = 0.0
    times: int | None = None
    id: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.trn and self.trn not in path.split("/"):
            return False
        if self.path and not path.startswith(self.path):
            return False
        return self.times is None or self.times > 0


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int
    at: float = field(default_factory=time.time)


class Controls:
    """Faults and request log, safe to use from a test thread while serving."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._requests: list[LoggedRequest] = []
        self._ids = itertools.count(1)

    # --- faults ---

    def add_fault(
        self,
        kind: FaultKind,
        *,
        trn: str | None = None,
        path: str | None = None,
        method: str | None = None,
        status: int = 500,
        body: ErrorBody = "json",
        delay: float | None = None,
        times: int | None = None,
    ) -> Fault:
        if kind not in ("error", "hang", "slow"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if body not in ("json", "html", "empty"):
            raise ValueError(f"unknown error body {body!r}")
        if delay is None:
            delay = DEFAULT_HANG_SECONDS if kind == "hang" else 0.5
        fault = Fault(
            kind=kind,
            trn=trn,
            path=path,
            method=method,
            status=status,
            body=body,
            delay=delay,
            times=times,
            id=next(self._ids),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first fault for this request, its remaining count lowered."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    # --- request log ---

    def record(
        self, method: str, path: str, query: dict[str, str], status: int
    ) -> None:
        with self._lock:
            self._requests.append(LoggedRequest(method, path, query, status))

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._requests]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()
