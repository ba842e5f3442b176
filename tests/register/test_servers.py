"""Server versions as the servers themselves report them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.register.servers import postgresql_version, redis_version


def test_postgresql_version_is_what_the_server_says(engine: Engine) -> None:
    with engine.connect() as conn:
        reported = conn.execute(
            text("SELECT current_setting('server_version')")
        ).scalar()
        number = conn.execute(
            text("SELECT current_setting('server_version_num')")
        ).scalar()
    version = postgresql_version(engine)
    assert version == reported
    # "16.4 ..." for server_version_num 160004.
    assert version.split(".")[0] == str(int(str(number)) // 10000)


def test_redis_version_is_what_the_server_says(redis_client: Any) -> None:
    # The reply as sent, read off the connection without redis-py's parsing.
    connection = redis_client.connection_pool.get_connection()
    try:
        connection.send_command("INFO", "server")
        reply = connection.read_response()
    finally:
        redis_client.connection_pool.release(connection)
    text_reply = reply.decode() if isinstance(reply, bytes) else str(reply)
    fields = dict(line.split(":", 1) for line in text_reply.splitlines() if ":" in line)

    assert redis_version(redis_client) == fields["redis_version"]
