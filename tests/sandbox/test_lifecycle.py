"""The sandbox's embedded servers and their life cycle, on real processes."""

from __future__ import annotations

from pathlib import Path

import redis
import sqlalchemy as sa

from sandbox import servers


def test_session_servers_answer(database_url: str, redis_client: redis.Redis) -> None:
    from services.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("select 41 + 1")).scalar() == 42
    engine.dispose()
    redis_client.set("triage:probe", b"\x00\xffbytes")
    assert redis_client.get("triage:probe") == b"\x00\xffbytes"


def test_embedded_servers_keep_data_across_restart(tmp_path: Path) -> None:
    from services.db import make_engine

    folder = tmp_path / "d"
    try:
        database_url = servers.start_postgres(folder)
        redis_url = servers.start_redis(folder)
        # Starting again is harmless and returns the same URLs.
        assert servers.start_postgres(folder) == database_url
        assert servers.start_redis(folder) == redis_url

        engine = make_engine(database_url)
        with engine.begin() as connection:
            connection.execute(sa.text("create table kept (value text)"))
            connection.execute(sa.text("insert into kept values ('still here')"))
        engine.dispose()
        client = redis.Redis.from_url(redis_url)
        client.rpush("kept", b"one", b"two")
        client.close()

        assert servers.stop_postgres(folder) is True
        assert servers.stop_redis(folder) is True
        assert servers.postgres_url(folder) is None
        assert servers.redis_url(folder) is None
        # Stopping a stopped server does nothing.
        assert servers.stop_postgres(folder) is False
        assert servers.stop_redis(folder) is False

        engine = make_engine(servers.start_postgres(folder))
        with engine.connect() as connection:
            rows = connection.execute(sa.text("select value from kept")).scalars()
            assert list(rows) == ["still here"]
        engine.dispose()
        client = redis.Redis.from_url(servers.start_redis(folder))
        assert client.lrange("kept", 0, -1) == [b"one", b"two"]
        client.close()
    finally:
        servers.stop_postgres(folder)
        servers.stop_redis(folder)


def test_redis_falls_back_to_loopback_port_for_long_paths(tmp_path: Path) -> None:
    folder = tmp_path / ("x" * 90)
    try:
        url = servers.start_redis(folder)
        assert url.startswith("redis://127.0.0.1:")
        client = redis.Redis.from_url(url)
        assert client.ping() is True
        client.close()
    finally:
        servers.stop_redis(folder)
    assert servers.redis_url(folder) is None
