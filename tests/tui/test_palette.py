"""The command palette on every main screen: it opens, filters as one types and
lists the screen's named actions, whatever characters their keys or help hold."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList

from tests.tui.conftest import settle

# Screen key -> letters typed into the palette (each matches some action there).
SCREENS = {
    "failed_jobs": ("", "f"),
    "trainee_search": ("s", "se"),
    "journal": ("j", "r"),
}


@pytest.mark.parametrize("screen", sorted(SCREENS))
async def test_palette_filters_without_crashing(make_app: Any, screen: str) -> None:
    opening_key, typed = SCREENS[screen]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if opening_key:
            await pilot.press(opening_key)
            await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        for character in typed:
            await pilot.press(character)
        await pilot.pause(0.5)

        assert app.return_code is None, "the palette must not end the app"
        options = app.screen.query_one(CommandList)
        assert options.option_count > 0
