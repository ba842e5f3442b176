"""The DQT v2 simulator as a Starlette application.

Serves the endpoints Register called, with DQT's authentication (Bearer API key, 401
with an empty body otherwise), its per-client rate limit (429 with `Retry-After` and a
ProblemDetails body) and the rules in `rules.py`, `update_rules.py` and
`trn_requests.py`. Routes under `/_sim/` need no key:

    POST   /_sim/faults      {"kind": "error"|"hang"|"slow", "trn": ..., "path": ...,
                              "method": ..., "status": 500,
                              "body": "json"|"html"|"empty", "delay": seconds,
                              "times": n}                       -> 201 {"id": n}
    GET    /_sim/faults      the faults in force;   DELETE: remove them all
    GET    /_sim/requests    the request log;       DELETE: empty it
    GET    /_sim/state       the current state (the JSON file's shape)
    POST   /_sim/trn-requests/{client}/{request_id}/resolve[?trn=1234567]
                             give a pending TRN request's teacher a TRN, as DQT staff do
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dqt.simulator import rules, trn_requests, update_rules
from dqt.simulator.controls import (
    SERVER_ERROR_HTML,
    SERVER_ERROR_JSON,
    Controls,
    Fault,
)
from dqt.simulator.problems import ApiProblem, invalid, rate_limited
from dqt.simulator.state import SimulatorState, save_state

log = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"
PROBLEM_TYPE = "application/problem+json; charset=utf-8"
RATE_WINDOW_SECONDS = 60


class Simulator:
    """Everything one running app holds: state, controls, rate-limit counters."""

    def __init__(
        self,
        state: SimulatorState,
        *,
        rate_limit_per_minute: int,
        state_path: Path | None,
        controls: Controls,
    ) -> None:
        self.state = state
        self.rate_limit_per_minute = rate_limit_per_minute
        self.state_path = state_path
        self.controls = controls
        self.lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def over_limit(self, client: str) -> int | None:
        """Seconds until the client's fixed window ends, if it is over the limit."""
        now = time.monotonic()
        start, count = self._windows.get(client, (now, 0))
        if now - start >= RATE_WINDOW_SECONDS:
            start, count = now, 0
        count += 1
        self._windows[client] = (start, count)
        if count > self.rate_limit_per_minute:
            return max(1, math.ceil(start + RATE_WINDOW_SECONDS - now))
        return None

    def persist(self) -> None:
        if self.state_path is not None:
            save_state(self.state, self.state_path)


# A handler gets the simulator, the request, the calling client and the JSON body
# (None for reads) and returns (status, JSON body) or raises ApiProblem.
Handler = Callable[[Simulator, Request, str, Any], tuple[int, Any]]


def create_app(
    state: SimulatorState,
    *,
    rate_limit_per_minute: int = 300,
    state_path: Path | str | None = None,
    controls: Controls | None = None,
) -> Starlette:
    sim = Simulator(
        state,
        rate_limit_per_minute=rate_limit_per_minute,
        state_path=Path(state_path) if state_path else None,
        controls=controls or Controls(),
    )

    def api(handler: Handler, *, writes: bool = False) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            return await _serve_api(sim, request, handler, writes=writes)

        return endpoint

    routes = [
        Route("/v2/teachers/find", api(_find_teachers), methods=["GET"]),
        Route(
            "/v2/teachers/update/{trn}", api(_update, writes=True), methods=["PATCH"]
        ),
        Route("/v2/teachers/{trn}", api(_get_teacher), methods=["GET"]),
        Route(
            "/v2/teachers/{trn}/itt-outcome",
            api(_itt_outcome, writes=True),
            methods=["PUT"],
        ),
        Route(
            "/v2/trn-requests/{request_id}",
            api(_put_trn_request, writes=True),
            methods=["PUT"],
        ),
        Route("/v2/trn-requests/{request_id}", api(_get_trn_request), methods=["GET"]),
        Route("/health", _health, methods=["GET"]),
        *_admin_routes(sim),
    ]
    app = Starlette(routes=routes)
    app.state.simulator = sim
    return app


async def _serve_api(
    sim: Simulator, request: Request, handler: Handler, *, writes: bool
) -> Response:
    started = time.perf_counter()
    response = await _answer(sim, request, handler, writes=writes)
    elapsed_ms = (time.perf_counter() - started) * 1000
    path = request.url.path
    sim.controls.record(
        request.method, path, dict(request.query_params), response.status_code
    )
    log.info(
        "%s %s -> %d in %.1f ms", request.method, path, response.status_code, elapsed_ms
    )
    return response


async def _answer(
    sim: Simulator, request: Request, handler: Handler, *, writes: bool
) -> Response:
    fault = sim.controls.take_fault(request.method, request.url.path)
    if fault is not None:
        faulted = await _apply_fault(fault)
        if faulted is not None:
            return faulted

    client = _authenticate(sim, request)
    if client is None:
        return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    retry_after = sim.over_limit(client)
    if retry_after is not None:
        body = rate_limited(sim.rate_limit_per_minute, RATE_WINDOW_SECONDS)
        return _json(429, body, PROBLEM_TYPE, headers={"Retry-After": str(retry_after)})

    try:
        payload = await _read_json(request) if writes else None
        # One request at a time changes the state, as DQT's per-record locks ensure.
        with sim.lock:
            status, body = handler(sim, request, client, payload)
            if writes and status < 300:
                sim.persist()
    except ApiProblem as problem:
        if problem.body is None:
            return Response(status_code=problem.status)
        return _json(problem.status, problem.body, PROBLEM_TYPE)

    if status == 204:
        return Response(status_code=204)
    return _json(status, body, JSON_TYPE)


async def _apply_fault(fault: Fault) -> Response | None:
    if fault.kind in ("hang", "slow"):
        await asyncio.sleep(fault.delay)
        return None if fault.kind == "slow" else Response(status_code=504)
    if fault.body == "json":
        body = {**SERVER_ERROR_JSON, "status": fault.status}
        return _json(fault.status, body, PROBLEM_TYPE)
    if fault.body == "html":
        return Response(SERVER_ERROR_HTML, fault.status, media_type="text/html")
    return Response(status_code=fault.status, media_type="text/plain")


def _authenticate(sim: Simulator, request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return None
    return sim.state.client_for_key(header[len("Bearer ") :].strip())


def _json(
    status: int, body: Any, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status, headers=headers, media_type=media_type)


async def _read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise invalid("", "A non-empty request body is required.")
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid("$", "The request body is not valid JSON.") from None


# --- API handlers: each returns (status, JSON body) or raises ApiProblem -----------


def _get_teacher(
    sim: Simulator, request: Request, client: str, payload: Any
) -> tuple[int, Any]:
    include = rules.query_value(request.query_params, "includeInactive")
    body = rules.get_teacher(
        sim.state, request.path_params["trn"], (include or "").lower() == "true"
    )
    return 200, body


def _find_teachers(
    sim: Simulator, request: Request, client: str, payload: Any
) -> tuple[int, Any]:
    return 200, rules.find_teachers(sim.state, request.query_params)


def _teacher_named(request: Request) -> tuple[str, str | None, str | None]:
    """(TRN, birthdate, slugid) as a write to one teacher's record names them."""
    query = request.query_params
    return (
        request.path_params["trn"],
        rules.query_value(query, "birthdate"),
        rules.query_value(query, "slugid"),
    )


def _itt_outcome(
    sim: Simulator, request: Request, client: str, payload: Any
) -> tuple[int, Any]:
    return 200, rules.set_itt_outcome(sim.state, *_teacher_named(request), payload)


def _update(
    sim: Simulator, request: Request, client: str, payload: Any
) -> tuple[int, Any]:
    update_rules.update_teacher(sim.state, *_teacher_named(request), payload)
    return 204, None


def _put_trn_request(
    sim: Simulator, request: Request, client: str, payload: Any
) -> tuple[int, Any]:
    return trn_requests.get_or_create_trn_request(
        sim.state, client, request.path_params["request_id"], payload
    )


def _get_trn_request(
    sim: Simulator, request: Request, client: str, payload: Any
) -> tuple[int, Any]:
    return 200, trn_requests.get_trn_request(
        sim.state, client, request.path_params["request_id"]
    )


async def _health(request: Request) -> Response:
    return Response("Healthy", media_type="text/plain")


# --- /_sim/ controls ------------------------------------------------------------------


def _admin_routes(sim: Simulator) -> list[Route]:
    async def add_fault(request: Request) -> Response:
        try:
            spec = await request.json()
            fault = sim.controls.add_fault(**spec)
        except (ValueError, TypeError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse({"id": fault.id}, status_code=201)

    async def list_faults(request: Request) -> Response:
        return JSONResponse(sim.controls.faults())

    async def clear_faults(request: Request) -> Response:
        sim.controls.clear_faults()
        return Response(status_code=204)

    async def list_requests(request: Request) -> Response:
        return JSONResponse(sim.controls.requests())

    async def clear_requests(request: Request) -> Response:
        sim.controls.clear_requests()
        return Response(status_code=204)

    async def show_state(request: Request) -> Response:
        with sim.lock:
            return JSONResponse(sim.state.model_dump(mode="json"))

    async def resolve(request: Request) -> Response:
        params = request.path_params
        trn = request.query_params.get("trn")
        try:
            with sim.lock:
                body = trn_requests.resolve_trn_request(
                    sim.state, params["client"], params["request_id"], trn
                )
                sim.persist()
        except ApiProblem as problem:
            return _json(problem.status, problem.body, PROBLEM_TYPE)
        return JSONResponse(body)

    return [
        Route("/_sim/faults", add_fault, methods=["POST"]),
        Route("/_sim/faults", list_faults, methods=["GET"]),
        Route("/_sim/faults", clear_faults, methods=["DELETE"]),
        Route("/_sim/requests", list_requests, methods=["GET"]),
        Route("/_sim/requests", clear_requests, methods=["DELETE"]),
        Route("/_sim/state", show_state, methods=["GET"]),
        Route(
            "/_sim/trn-requests/{client}/{request_id}/resolve",
            resolve,
            methods=["POST"],
        ),
    ]
