"""An async client for the DQT v2 API, one method per endpoint Register called.

Every call has a timeout. Reads (GET) are retried with backoff on 5xx answers, 429
(honouring `Retry-After`, capped) and timeouts or connection failures; writes (PUT,
PATCH) are never retried, because a write that timed out may still have been applied.
A sliding-window rate limiter (DQT's production limit is 300 requests a minute) and
a concurrency limit sit in front of every request. Each attempt logs one line with
the method, the path template, the status and the duration; never the API key, a
query string or a body (they hold dates of birth).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import time
from collections import deque
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from dqt.errors import DqtApiError
from dqt.models import (
    FindTeachersResponse,
    GetOrCreateTrnRequest,
    GetTeacherResponse,
    SetIttOutcomeRequest,
    SetIttOutcomeResponse,
    TrnRequestInfo,
    UpdateTeacherRequest,
)

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

TRN_PATTERN = re.compile(r"\A\d{7}\Z")
# Register's success sets: GET 200; PUT 200 or 201; PATCH 204.
GET_OK = frozenset({200})
PUT_OK = frozenset({200, 201})
PATCH_OK = frozenset({204})


class InvalidTrn(ValueError):
    """A TRN that cannot be sent: missing, blank or not 7 digits. No request is made."""

    def __init__(self, trn: object) -> None:
        self.trn = trn
        shown = "missing" if trn is None else repr(trn)
        super().__init__(f"TRN {shown} is not 7 digits; nothing was sent to DQT")


class DqtUnavailable(Exception):
    """DQT could not be reached or did not answer in time."""

    def __init__(self, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        super().__init__(f"DQT {method} {path}: {reason}")


class RateLimiter:
    """At most `limit` requests in any `period` seconds (a sliding window)."""

    def __init__(self, limit: int, period: float = 60.0) -> None:
        if limit < 1:
            raise ValueError("rate limit must be at least 1 request")
        self.limit = limit
        self.period = period
        self.waited_seconds = 0.0
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.period:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return
                wait = self._sent[0] + self.period - now
                self.waited_seconds += wait
                await asyncio.sleep(wait)


class DqtClient:
    """`async with DqtClient(url, key) as dqt: await dqt.get_teacher(...)`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        requests_per_minute: int = 300,
        max_concurrency: int = 10,
        get_retries: int = 3,
        backoff_seconds: float = 0.5,
        max_retry_after_seconds: float = 30.0,
        rate_window_seconds: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.get_retries = max(0, get_retries)
        self.backoff_seconds = backoff_seconds
        self.max_retry_after_seconds = max_retry_after_seconds
        # The window is a minute in production; benchmarks shrink it to measure the
        # limiter's effect without waiting minutes.
        self.limiter = RateLimiter(requests_per_minute, rate_window_seconds)
        self._concurrency = asyncio.Semaphore(max_concurrency)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
            },
            limits=httpx.Limits(max_connections=max_concurrency),
        )

    async def __aenter__(self) -> DqtClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- endpoints ---

    async def get_teacher(
        self,
        trn: str | None,
        birth_date: dt.date | None = None,
        include_inactive: bool = True,
    ) -> GetTeacherResponse:
        trn = _checked_trn(trn)
        params: dict[str, str] = {}
        if birth_date is not None:
            # Register still sends it; the API ignores it since 2022.
            params["birthdate"] = birth_date.isoformat()
        if include_inactive:
            params["includeInactive"] = "true"
        response = await self._call(
            "GET", "/v2/teachers/{trn}", {"trn": trn}, params=params, ok=GET_OK
        )
        return _parse(GetTeacherResponse, response, "GET", "/v2/teachers/{trn}")

    async def find_teachers(
        self,
        first_name: str | None,
        last_name: str | None,
        date_of_birth: dt.date | None,
        email_address: str | None = None,
    ) -> FindTeachersResponse:
        query = {
            "dateOfBirth": date_of_birth.isoformat() if date_of_birth else None,
            "emailAddress": email_address,
            "firstName": first_name,
            "lastName": last_name,
        }
        params = {k: v for k, v in query.items() if v}
        response = await self._call(
            "GET", "/v2/teachers/find", {}, params=params, ok=GET_OK
        )
        return _parse(FindTeachersResponse, response, "GET", "/v2/teachers/find")

    async def put_trn_request(
        self, request_id: str, body: GetOrCreateTrnRequest | dict[str, Any]
    ) -> TrnRequestInfo:
        template = "/v2/trn-requests/{requestId}"
        response = await self._call(
            "PUT", template, {"requestId": request_id}, body=_wire(body), ok=PUT_OK
        )
        return _parse(TrnRequestInfo, response, "PUT", template)

    async def get_trn_request(self, request_id: str) -> TrnRequestInfo:
        template = "/v2/trn-requests/{requestId}"
        response = await self._call(
            "GET", template, {"requestId": request_id}, ok=GET_OK
        )
        return _parse(TrnRequestInfo, response, "GET", template)

    async def set_itt_outcome(
        self,
        trn: str | None,
        birth_date: dt.date,
        slug_id: str | None,
        body: SetIttOutcomeRequest | dict[str, Any],
    ) -> SetIttOutcomeResponse:
        trn = _checked_trn(trn)
        template = "/v2/teachers/{trn}/itt-outcome"
        response = await self._call(
            "PUT",
            template,
            {"trn": trn},
            params=_identity_query(birth_date, slug_id),
            body=_wire(body),
            ok=PUT_OK,
        )
        return _parse(SetIttOutcomeResponse, response, "PUT", template)

    async def update_teacher(
        self,
        trn: str | None,
        birth_date: dt.date,
        slug_id: str | None,
        body: UpdateTeacherRequest | dict[str, Any],
    ) -> None:
        trn = _checked_trn(trn)
        await self._call(
            "PATCH",
            "/v2/teachers/update/{trn}",
            {"trn": trn},
            params=_identity_query(birth_date, slug_id),
            body=_wire(body),
            ok=PATCH_OK,
        )

    # --- transport ---

    async def _call(
        self,
        method: str,
        template: str,
        path_params: dict[str, str],
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        ok: frozenset[int],
    ) -> httpx.Response:
        path = template.format(**{k: quote(v, safe="") for k, v in path_params.items()})
        retries = self.get_retries if method == "GET" else 0

        for attempt in range(retries + 1):
            last = attempt == retries
            async with self._concurrency:
                await self.limiter.acquire()
                started = time.perf_counter()
                try:
                    response = await self._http.request(
                        method, path, params=params, json=body
                    )
                except httpx.TimeoutException:
                    self._log(method, template, "timeout", started, attempt)
                    if last:
                        raise self._unavailable(
                            method, template, self._timeout_reason(method), attempt
                        ) from None
                    await asyncio.sleep(self._backoff(attempt))
                    continue
                except httpx.TransportError as error:
                    self._log(method, template, "unreachable", started, attempt)
                    if last:
                        raise self._unavailable(
                            method,
                            template,
                            f"could not connect to {self.base_url} "
                            f"({type(error).__name__})",
                            attempt,
                        ) from None
                    await asyncio.sleep(self._backoff(attempt))
                    continue
            self._log(method, template, str(response.status_code), started, attempt)

            if response.status_code in ok:
                return response
            if last or not _worth_retrying(response.status_code):
                raise DqtApiError.from_response(
                    response.status_code, response.text, method=method, path=template
                )
            await asyncio.sleep(self._wait_before_retry(response, attempt))

        raise AssertionError("unreachable: the loop returns or raises")

    def _unavailable(
        self, method: str, template: str, reason: str, attempt: int
    ) -> DqtUnavailable:
        """The error for a DQT that did not answer, logged once as a warning.

        The path is the template (no TRN) and the reason names only the base
        URL, so the line holds no key, TRN or date of birth.
        """
        log.warning(
            "DQT %s %s unavailable after %d attempt(s): %s",
            method,
            template,
            attempt + 1,
            reason,
        )
        return DqtUnavailable(method, template, reason)

    def _timeout_reason(self, method: str) -> str:
        reason = f"no answer within {self.timeout:g}s"
        if method != "GET":
            reason += "; the write may or may not have been applied"
        return reason

    def _backoff(self, attempt: int) -> float:
        return float(
            min(self.backoff_seconds * 2**attempt, self.max_retry_after_seconds)
        )

    def _wait_before_retry(self, response: httpx.Response, attempt: int) -> float:
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.strip().isdigit():
                return min(float(retry_after), self.max_retry_after_seconds)
        return self._backoff(attempt)

    def _log(
        self, method: str, template: str, outcome: str, started: float, attempt: int
    ) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info(
            "DQT %s %s -> %s in %.1f ms (attempt %d)",
            method,
            template,
            outcome,
            elapsed_ms,
            attempt + 1,
        )


def _checked_trn(trn: str | None) -> str:
    if not isinstance(trn, str) or not TRN_PATTERN.match(trn):
        raise InvalidTrn(trn)
    return trn


def _identity_query(birth_date: dt.date, slug_id: str | None) -> dict[str, str]:
    params = {"birthDate": birth_date.isoformat()}
    if slug_id:
        params["slugId"] = slug_id
    return params


def _wire(body: BaseModel | dict[str, Any]) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return body


def _worth_retrying(status: int) -> bool:
    return status == 429 or status >= 500


def _parse(model: type[M], response: httpx.Response, method: str, path: str) -> M:
    try:
        return model.model_validate(json.loads(response.content or b"{}"))
    except (ValueError, ValidationError) as error:
        raise DqtApiError(
            response.status_code,
            response.text,
            title=f"Unreadable {path} response: {type(error).__name__}",
            method=method,
            path=path,
        ) from error
