"""About shows the versions the PostgreSQL and Redis servers in use report."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from sqlalchemy import text

from tests.tui.conftest import settle


def _shown(screen: Any) -> str:
    from tui.screens.about import about_text

    console = Console(width=100, color_system=None)
    with console.capture() as captured:
        console.print(about_text(screen.facts, screen.servers))
    return captured.get()


async def test_about_shows_the_servers_versions(make_app: Any, demo: Any) -> None:
    from tui.screens.about import AboutScreen

    with demo.engine.connect() as conn:
        postgresql = conn.execute(text("SHOW server_version")).scalar_one()
    redis = demo.redis.info("server")["redis_version"]

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AboutScreen)
        assert dict(screen.servers) == {
            "PostgreSQL server": postgresql,
            "Redis server": str(redis),
        }
        shown = _shown(screen)
        assert f"PostgreSQL server {postgresql}" in shown
        assert f"Redis server {redis}" in shown
        assert demo.api_key not in shown
