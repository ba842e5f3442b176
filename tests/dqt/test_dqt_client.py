"""The client's transport behaviour against the simulator's fault controls.

Retries, timeouts, refusals made locally, the rate limiter and what the log shows.
No assertion depends on how long anything took.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import httpx
import pytest
from dqt_world import API_KEY, BORN, PROVIDER

from dqt.client import DqtClient, DqtUnavailable, InvalidTrn, RateLimiter
from dqt.errors import DqtApiError

TEACHER = "/v2/teachers/1000001"
OUTCOME = "/v2/teachers/1000001/itt-outcome"
WITHDRAW = {"ittProviderUkprn": PROVIDER, "outcome": "Withdrawn"}


def client(sim: Any, **options: Any) -> DqtClient:
    settings = {"timeout": 2.0, "get_retries": 2, "backoff_seconds": 0.01, **options}
    return DqtClient(sim.url, API_KEY, **settings)


def paths(sim: Any) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sim.controls.requests()]


async def test_get_retries_server_errors_then_succeeds(sim: Any) -> None:
    sim.controls.add_fault("error", trn="1000001", body="html", times=2)

    async with client(sim) as dqt:
        teacher = await dqt.get_teacher("1000001", BORN)

    assert teacher.trn == "1000001"
    assert [r["status"] for r in sim.controls.requests()] == [500, 500, 200]


async def test_get_gives_up_with_the_last_error(sim: Any) -> None:
    sim.controls.add_fault("error", path=TEACHER, body="json")

    async with client(sim, get_retries=1) as dqt:
        with pytest.raises(DqtApiError) as error:
            await dqt.get_teacher("1000001")

    assert error.value.status == 500
    assert error.value.title == "An error occurred while processing your request."
    assert paths(sim) == [f"GET {TEACHER}"] * 2


async def test_writes_are_never_retried(sim: Any) -> None:
    sim.controls.add_fault("error", trn="1000001", method="PUT", body="empty")

    async with client(sim) as dqt:
        with pytest.raises(DqtApiError) as error:
            await dqt.set_itt_outcome("1000001", BORN, None, WITHDRAW)

    assert (error.value.status, error.value.raw_body) == (500, "")
    assert paths(sim) == [f"PUT {OUTCOME}"]


async def test_client_errors_are_not_retried(sim: Any) -> None:
    async with client(sim) as dqt:
        with pytest.raises(DqtApiError) as error:
            await dqt.get_teacher("1000002")

    assert error.value.status == 404
    assert len(sim.controls.requests()) == 1


async def test_write_timeout_is_unavailable_and_says_so(sim: Any) -> None:
    sim.controls.add_fault("hang", trn="1000001", delay=2.0)

    async with client(sim, timeout=0.2) as dqt:
        with pytest.raises(DqtUnavailable) as error:
            await dqt.set_itt_outcome("1000001", BORN, None, WITHDRAW)

    assert error.value.method == "PUT"
    assert error.value.path == "/v2/teachers/{trn}/itt-outcome"
    assert "no answer within 0.2s" in str(error.value)
    assert "may or may not have been applied" in str(error.value)


async def test_get_timeout_is_retried(sim: Any) -> None:
    sim.controls.add_fault("hang", trn="1000001", delay=2.0, times=1)

    async with client(sim, timeout=0.2, get_retries=1) as dqt:
        teacher = await dqt.get_teacher("1000001")

    assert teacher.trn == "1000001"


async def test_slow_answers_still_arrive(sim: Any) -> None:
    sim.controls.add_fault("slow", trn="1000001", delay=0.05)

    async with client(sim) as dqt:
        teacher = await dqt.get_teacher("1000001")

    assert teacher.trn == "1000001"


async def test_unreachable_server() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port now.

    async with DqtClient(f"http://127.0.0.1:{port}", API_KEY, get_retries=0) as dqt:
        with pytest.raises(DqtUnavailable) as error:
            await dqt.get_teacher("1000001")

    assert f"could not connect to http://127.0.0.1:{port}" in str(error.value)


async def test_unreachable_server_is_logged_once_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="dqt.client")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async with DqtClient(f"http://127.0.0.1:{port}", API_KEY, get_retries=1) as dqt:
        with pytest.raises(DqtUnavailable):
            await dqt.get_teacher("1000001", BORN)

    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "dqt.client" and r.levelno == logging.WARNING
    ]
    assert warnings == [
        "DQT GET /v2/teachers/{trn} unavailable after 2 attempt(s): could not "
        f"connect to http://127.0.0.1:{port} (ConnectError)"
    ]
    assert API_KEY not in warnings[0] and "1000001" not in warnings[0]


async def test_429_is_retried_after_retry_after(
    make_simulator: Any, state: Any
) -> None:
    limited = make_simulator(state, rate_limit_per_minute=1)

    # Retry-After says up to 60 s; the cap keeps the client's wait short.
    async with client(limited, get_retries=1, max_retry_after_seconds=0.01) as dqt:
        await dqt.get_teacher("1000001")
        with pytest.raises(DqtApiError) as error:
            await dqt.get_teacher("1000001")

    assert error.value.status == 429
    assert error.value.title == "API calls quota exceeded"
    assert [r["status"] for r in limited.controls.requests()] == [200, 429, 429]


@pytest.mark.parametrize(
    "trn", [None, "", "   ", "123456", "12345678", "12a4567", 1234567]
)
async def test_invalid_trn_is_refused_without_a_request(sim: Any, trn: Any) -> None:
    async with client(sim) as dqt:
        with pytest.raises(InvalidTrn):
            await dqt.get_teacher(trn)
        with pytest.raises(InvalidTrn):
            await dqt.set_itt_outcome(trn, BORN, None, WITHDRAW)
        with pytest.raises(InvalidTrn):
            await dqt.update_teacher(trn, BORN, None, {})

    assert sim.controls.requests() == []


async def test_log_lines_hold_no_key_or_birth_date(
    sim: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dqt.client")

    async with client(sim) as dqt:
        await dqt.get_teacher("1000001", BORN)
        with pytest.raises(DqtApiError):
            await dqt.set_itt_outcome("1000002", BORN, "slug", WITHDRAW)

    lines = [r.getMessage() for r in caplog.records if r.name == "dqt.client"]
    assert lines[0].startswith("DQT GET /v2/teachers/{trn} -> 200 in ")
    assert lines[1].startswith("DQT PUT /v2/teachers/{trn}/itt-outcome -> 404 in ")
    text = "\n".join(lines)
    assert API_KEY not in text
    assert BORN.isoformat() not in text and "1000001" not in text


async def test_concurrency_limit_holds(sim: Any) -> None:
    sim.controls.add_fault("slow", trn="1000001", delay=0.05)

    async with client(sim, max_concurrency=2) as dqt:
        original = dqt._http.request
        in_flight = peak = 0

        async def counting(*args: Any, **kwargs: Any) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await original(*args, **kwargs)
            finally:
                in_flight -= 1

        dqt._http.request = counting  # type: ignore[method-assign]
        await asyncio.gather(*(dqt.get_teacher("1000001") for _ in range(6)))

    assert peak == 2


async def test_rate_limiter_makes_the_excess_wait() -> None:
    limiter = RateLimiter(limit=3, period=0.2)

    for _ in range(5):
        await limiter.acquire()

    # Two of five had to wait for the window to move on.
    assert limiter.waited_seconds > 0


def test_rate_limiter_refuses_a_zero_limit() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


async def test_fault_controls_over_http(sim: Any) -> None:
    async with httpx.AsyncClient(base_url=sim.url) as admin:
        added = await admin.post(
            "/_sim/faults", json={"kind": "error", "trn": "1000001", "body": "html"}
        )
        bad = await admin.post("/_sim/faults", json={"kind": "explode"})
        listed = await admin.get("/_sim/faults")
        async with client(sim, get_retries=0) as dqt:
            with pytest.raises(DqtApiError) as error:
                await dqt.get_teacher("1000001")
        logged = await admin.get("/_sim/requests")
        cleared = await admin.delete("/_sim/faults")
        state = await admin.get("/_sim/state")

    assert added.status_code == 201 and bad.status_code == 400
    assert listed.json()[0]["trn"] == "1000001"
    assert error.value.title == "Service unavailable – Database of Qualified Teachers"
    assert logged.json()[0]["status"] == 500
    assert cleared.status_code == 204 and sim.controls.faults() == []
    assert state.json()["teachers"][0]["trn"] == "1000001"
