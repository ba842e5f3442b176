"""Exit statuses every `triage` command shares, and which errors mean "unreachable".

0 done; 1 refused, nothing found or something needs a person; 2 a usage or
configuration error; 3 a service (PostgreSQL, Redis, DQT, the sandbox) that
cannot be reached. A command may use 1 and 0 in its own sense (`watch`), but 2
and 3 always mean the same.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NOT_DONE = 1
EXIT_CONFIG = 2
EXIT_UNREACHABLE = 3


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(error).__name__


def unreachable(error: BaseException) -> str | None:
    """One line naming the service that could not be reached, or None.

    Only failures to reach a service count: a refused SQL statement or a Redis
    command error is not "unreachable" (None), and neither is a file error.
    """
    import redis
    from sqlalchemy import exc as sa_exc

    from dqt.client import DqtUnavailable
    from sandbox.lifecycle import SandboxError

    if isinstance(error, BrokenPipeError):
        return None  # our reader went away (`| head`): the command line's to handle
    if isinstance(error, redis.ConnectionError | redis.TimeoutError):
        return f"Redis unreachable: {_first_line(error)}"
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return f"PostgreSQL unreachable: {_first_line(error)}"
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return f"PostgreSQL unreachable: {_first_line(error)}"
    if isinstance(error, DqtUnavailable):
        return f"DQT unreachable: {_first_line(error)}"
    if isinstance(error, SandboxError):
        return f"sandbox could not start: {_first_line(error)}"
    if isinstance(error, ConnectionError | TimeoutError):
        return f"service unreachable: {_first_line(error)}"
    return None
