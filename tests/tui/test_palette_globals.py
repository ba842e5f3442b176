"""The app's own actions (the lists, help, about, quit) are in the command
palette on every screen, whatever has the focus there."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import settle

GLOBAL_TITLES = {
    "Journal",
    "Failed jobs",
    "Search",
    "Pending TRNs",
    "Pending awards",
    "Help",
    "About",
    "Quit",
}


@pytest.mark.parametrize("opening_keys", [(), ("s",), ("a",), ("l",)])
async def test_palette_lists_the_global_actions(
    make_app: Any, opening_keys: tuple[str, ...]
) -> None:
    from textual.command import CommandPalette

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*opening_keys)
        await settle(pilot)
        screen = app.screen
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        assert isinstance(app.screen, CommandPalette)
        titles = {command.title for command in app.get_system_commands(screen)}
        assert titles >= GLOBAL_TITLES


async def test_journal_chosen_in_the_palette_from_the_search_box(
    make_app: Any,
) -> None:
    from tui.screens.journal import JournalScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")  # the search box has the focus
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"journal")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
