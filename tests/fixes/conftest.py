"""Fixtures of the fix tests: a FixContext on the real test servers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.fixes.base import FixContext
from services.journal import Journal
from tests.fixes.dqt_state import API_KEY, state
from tests.fixes.helpers import FIXED_NOW, PROVIDER_ID, add_provider


@pytest.fixture
def make_ctx(
    engine: Any, redis_client: Any, data_dir: Path
) -> Callable[..., FixContext]:
    """A FixContext on the test servers; keywords override its fields."""

    def build(**overrides: Any) -> FixContext:
        values: dict[str, Any] = {
            "engine": engine,
            "redis": redis_client,
            "journal": Journal.in_data_dir(data_dir),
            "operator": "Grace Oduya",
            "writes_enabled": True,
            "clock": lambda: FIXED_NOW,
        }
        values.update(overrides)
        return FixContext(**values)

    return build


@pytest.fixture
def dqt_ctx(
    make_ctx: Callable[..., FixContext], make_simulator: Callable[..., Any]
) -> Callable[..., FixContext]:
    """`dqt_ctx(*teachers)`: a FixContext on a DQT simulator holding those teachers."""

    def build(*teachers: Any) -> FixContext:
        simulator = make_simulator(state(*teachers))
        return make_ctx(dqt_base_url=simulator.url, dqt_api_key=API_KEY)

    return build


@pytest.fixture
def ctx(make_ctx: Callable[..., FixContext]) -> FixContext:
    return make_ctx()


@pytest.fixture
def provider(engine: Any) -> int:
    add_provider(engine)
    return PROVIDER_ID
