"""`triage` with no command: connect to the services, then run the terminal app.

Start-up problems (a bad setting, a service that cannot be reached, a sandbox that
will not start) end with one line on stderr and a non-zero exit, before the app
takes over the terminal.
"""

from __future__ import annotations

import logging
import sys

from triage.config import ConfigError, Settings

log = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3


def _fail(message: str, code: int) -> int:
    print(f"triage: {message}", file=sys.stderr)
    return code


def _check_reachable(connections) -> None:  # type: ignore[no-untyped-def]
    """Touch PostgreSQL and Redis once, so an unreachable one fails here, clearly."""
    import sqlalchemy as sa

    with connections.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    connections.redis.ping()


def run_app(settings: Settings) -> int:
    import redis
    import sqlalchemy as sa

    from sandbox.lifecycle import SandboxError
    from triage.runtime import connect

    try:
        connections = connect(settings)
    except ConfigError as error:
        return _fail(f"configuration error: {error}", EXIT_CONFIG)
    except SandboxError as error:
        return _fail(f"sandbox: {error}", EXIT_UNAVAILABLE)

    try:
        _check_reachable(connections)
    except sa.exc.SQLAlchemyError as error:
        connections.close()
        first = str(getattr(error, "orig", None) or error).strip().splitlines()
        return _fail(
            f"PostgreSQL unreachable: {first[0] if first else type(error).__name__}",
            EXIT_UNAVAILABLE,
        )
    except (redis.RedisError, OSError) as error:
        connections.close()
        return _fail(f"Redis unreachable: {error}", EXIT_UNAVAILABLE)

    from tui.app import TriageApp

    log.info("starting the terminal app (sandbox=%s)", connections.sandbox)
    app = TriageApp(connections)
    try:
        app.run()
    finally:
        connections.close()
    # An unhandled error inside the app sets a non-zero return code (and is logged
    # by the app); a normal quit leaves it at zero.
    code = app.return_code or 0
    log.info("the terminal app ended with exit status %s", code)
    return code
