"""Running the simulator: in a background thread (tests, sandbox) or in the foreground.

Both bind loopback by default. `run_in_thread` with port 0 takes an ephemeral port and
reports the URL it got.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from dqt.simulator.app import create_app
from dqt.simulator.controls import Controls
from dqt.simulator.state import ApiKey, SimulatorState, load_state, save_state

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 5.0


@dataclass
class RunningSimulator:
    url: str
    state: SimulatorState
    controls: Controls
    app: Starlette
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(STOP_TIMEOUT_SECONDS)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(STOP_TIMEOUT_SECONDS)
        log.info("DQT simulator at %s stopped", self.url)


def run_in_thread(
    state: SimulatorState,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    rate_limit_per_minute: int = 300,
    state_path: Path | str | None = None,
) -> RunningSimulator:
    """Start the simulator on a daemon thread and return once it accepts requests."""
    controls = Controls()
    app = create_app(
        state,
        rate_limit_per_minute=rate_limit_per_minute,
        state_path=state_path,
        controls=controls,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it small responses sent in two
    # writes wait for a delayed ACK (about 40 ms a request on loopback).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]

    server = uvicorn.Server(_config(app))
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        name=f"dqt-simulator-{bound_port}",
        daemon=True,
    )
    thread.start()

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the DQT simulator did not start on {host}:{port}")
        time.sleep(0.01)

    url = f"http://{host}:{bound_port}"
    log.info("DQT simulator serving at %s", url)
    return RunningSimulator(url, state, controls, app, server, thread)


def serve(
    state_path: Path | str | None,
    port: int,
    *,
    host: str = "127.0.0.1",
    api_key: str | None = None,
    rate_limit_per_minute: int = 300,
) -> None:
    """Serve in the foreground until interrupted, saving the state after each write."""
    state = load_or_create_state(state_path, api_key)
    app = create_app(
        state, rate_limit_per_minute=rate_limit_per_minute, state_path=state_path
    )
    log.info("DQT simulator serving on %s:%d", host, port)
    uvicorn.Server(_config(app, host=host, port=port)).run()


def load_or_create_state(
    state_path: Path | str | None, api_key: str | None
) -> SimulatorState:
    """The state from its file (an empty one if there is none), with the key added."""
    path = Path(state_path) if state_path else None
    state = load_state(path) if path and path.exists() else SimulatorState()
    if api_key and state.client_for_key(api_key) is None:
        state.api_keys.append(ApiKey(key=api_key, client="register"))
        if path is not None:
            save_state(state, path)
    return state


def _config(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        # A hanging request must not hold the shutdown for long.
        timeout_graceful_shutdown=1,
    )
