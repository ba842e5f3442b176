"""The header's figures: dead-set health and the pending counts.

Read in a thread worker when the app starts, after every write, on ctrl+r of any
list, and when a list's own read fails (or succeeds while a figure says its
service is down), so a figure never outlives its service's outage; each figure
fails on its own, so a Redis outage still leaves the pending counts (PostgreSQL)
shown, and the other way round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.failures import explain

if TYPE_CHECKING:
    from triage.runtime import Connections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeaderFigures:
    dead_set: str
    pending: str


def read_figures(connections: Connections, *, now: datetime) -> HeaderFigures:
    return HeaderFigures(_dead_set(connections, now), _pending(connections, now))


def _dead_set(connections: Connections, now: datetime) -> str:
    from services.sidekiq.reader import dead_set_health

    try:
        health = dead_set_health(connections.redis, now=now)
    except Exception as error:  # noqa: BLE001 - any Redis failure is shown, not raised
        service, _detail = explain(error, "reading the dead set's size")
        return f"dead set: {service} down"
    return dead_set_text(health)


def dead_set_text(health: Any) -> str:
    """`dead 29/10,000, oldest 2d`: a `DeadSetHealth` as the header shows it."""
    text = f"dead {health.size:,}/{health.max_jobs:,}"
    age = health.oldest_age
    if age is not None:
        text += f", oldest {max(age.days, 0)}d"
    return text


def shows_outage(*figures: str) -> bool:
    """Whether a figure the header shows says its service is down."""
    return any(figure.endswith(" down") for figure in figures)


def _pending(connections: Connections, now: datetime) -> str:
    from services.monitors import monitor_counts

    try:
        with connections.engine.connect() as conn:
            counts = monitor_counts(conn, connections.redis, today=now.date())
    except Exception as error:  # noqa: BLE001 - shown in the header instead
        service, _detail = explain(error, "counting pending trainees")
        return f"pending: {service} down"
    stuck = counts.timed_out_polling
    timed_out = f", {stuck} timed out" if stuck else ""
    return f"TRNs {counts.pending_trns:,}{timed_out} · awards {counts.pending_awards:,}"
