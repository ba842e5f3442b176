"""Which service failed, in words an operator can act on.

Workers catch what a service raised and hand it here; the pane then says
"PostgreSQL did not answer: connection refused" instead of a traceback.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

POSTGRESQL = "PostgreSQL"
REDIS = "Redis"
DQT = "DQT"


def service_of(error: BaseException) -> str:
    """The service behind an exception raised while talking to one."""
    module = type(error).__module__ or ""
    if module.startswith(("sqlalchemy", "psycopg")):
        return POSTGRESQL
    if module.startswith("redis"):
        return REDIS
    if module.startswith(("httpx", "httpcore", "dqt")):
        return DQT
    return "The service"


def describe(error: BaseException) -> str:
    """One line: the first line of the error text, without the SQL or the traceback."""
    text = str(error).strip() or type(error).__name__
    first = text.splitlines()[0]
    # SQLAlchemy wraps the driver's message as "(psycopg.OperationalError) ...".
    if first.startswith("(") and ") " in first:
        first = first.split(") ", 1)[1]
    return first[:200]


def explain(error: BaseException, doing: str) -> tuple[str, str]:
    """(service, detail) for a failure while `doing` something; logged once."""
    service = service_of(error)
    detail = describe(error)
    log.warning("%s failed while %s: %s", service, doing, detail)
    return service, detail
