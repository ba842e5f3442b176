"""Fixtures for the DQT client and simulator tests: a simulator on loopback holding
`dqt_world.world()`, a client and a plain HTTP client for it, and the OpenAPI check.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from dqt_world import API_KEY, OPENAPI_FILE, OpenApiCheck, world

from dqt.client import DqtClient
from dqt.simulator.state import SimulatorState


@pytest.fixture
def state() -> SimulatorState:
    return world()


@pytest.fixture
def sim(make_simulator: Callable[..., Any], state: SimulatorState) -> Any:
    return make_simulator(state)


@pytest.fixture
async def dqt(sim: Any) -> AsyncIterator[DqtClient]:
    async with DqtClient(
        sim.url, API_KEY, timeout=5.0, get_retries=0, backoff_seconds=0.01
    ) as client:
        yield client


@pytest.fixture
async def raw(sim: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP to the simulator with the key, to see exact bodies and headers."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=sim.url, headers=headers) as client:
        yield client


@pytest.fixture(scope="session")
def openapi() -> OpenApiCheck:
    return OpenApiCheck(json.loads(OPENAPI_FILE.read_text()))
