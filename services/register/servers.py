"""The versions of the servers Register runs on: its PostgreSQL and the Redis its
Sidekiq uses, as each server reports itself (for the About screen and reports)."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def postgresql_version(engine: Engine) -> str:
    """`SHOW server_version`, e.g. "16.4 (Debian 16.4-1.pgdg120+1)"."""
    started = time.perf_counter()
    with engine.connect() as conn:
        version = str(conn.execute(text("SHOW server_version")).scalar_one())
    log.info(
        "postgresql server_version %s %.4f s", version, time.perf_counter() - started
    )
    return version


def redis_version(client: Any) -> str:
    """`redis_version` from `INFO server`, e.g. "7.2.4"."""
    started = time.perf_counter()
    version = str(client.info("server")["redis_version"])
    log.info("redis version %s %.4f s", version, time.perf_counter() - started)
    return version
