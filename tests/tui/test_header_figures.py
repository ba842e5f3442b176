"""The header's figures follow the services: a Redis stopped while the app runs
shows as down after ctrl+r, and once it is back, ctrl+r on any list shows its
figures again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tui.conftest import settle


async def test_header_follows_redis_down_and_back(
    engine: Any, database_url: str, tmp_path: Path, data_dir: Path
) -> None:
    import redis

    from sandbox import servers
    from sandbox.demo import seed_demo
    from tests.tui.conftest import FIXED_NOW, connections_for
    from tui.app import TriageApp

    folder = tmp_path / "r"
    folder.mkdir()
    redis_url = servers.start_redis(folder)
    client = redis.Redis.from_url(redis_url)
    seed_demo(engine, client, today=FIXED_NOW.date())
    connections = connections_for(
        database_url, redis_url, "http://127.0.0.1:1", "key", data_dir=data_dir
    )
    app = TriageApp(connections, clock=lambda: FIXED_NOW)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.dead_health.startswith("dead ")
            assert app.pending_counts.startswith("TRNs ")

            servers.stop_redis(folder)
            # On another list than the failed jobs: the journal reads no Redis,
            # yet its ctrl+r reads the header's figures again.
            await pilot.press("l")
            await settle(pilot)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert app.dead_health == "dead set: Redis down"
            assert app.pending_counts == "pending: Redis down"

            assert servers.start_redis(folder) == redis_url
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert app.dead_health.startswith("dead ")
            assert app.pending_counts.startswith("TRNs ")

            # A pane's own failed read is enough, with no ctrl+r: a trainee's
            # jobs are read from Redis when the trainee opens.
            servers.stop_redis(folder)
            await pilot.press("s", *"racewell")
            await pilot.pause(0.4)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.dead_health == "dead set: Redis down"
    finally:
        connections.close()
        client.close()
        servers.stop_redis(folder)
