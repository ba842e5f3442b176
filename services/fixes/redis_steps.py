"""Running one previewed Sidekiq step through the job actions.

The Sidekiq semantics (exact-member ZREM, retry re-encoding, ActiveJob
payloads) belong to `services.sidekiq.actions`; this module only turns a
`RedisChange` into the matching call and its result into one line, or raises
`RedisStepError` saying what did not happen.
"""

from __future__ import annotations

import logging

from services.fixes.base import FixContext, RedisChange

log = logging.getLogger(__name__)


class RedisStepError(Exception):
    """A Redis step did not happen; the message says why."""


def run(ctx: FixContext, change: RedisChange, *, reason: str) -> str:
    """Do `change`; return a line saying what was done."""
    raise RedisStepError(f"{change.kind} is not available yet")
