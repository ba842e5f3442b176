"""Copying a raw error: sent with OSC 52, and shown plain for a hand copy,
since tmux drops OSC 52 unless set-clipboard is on."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static, TextArea

from tests.tui.conftest import settle


async def test_copy_also_shows_the_text_to_select_by_hand(make_app: Any) -> None:
    from tui.screens.text_modal import CopiedModal, TextModal

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")  # the highlighted job's raw error
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TextModal)
        assert modal.body.startswith("jid: ")

        await pilot.press("c")
        await settle(pilot)
        copied = app.screen
        assert isinstance(copied, CopiedModal)
        assert app.clipboard == modal.body
        message = str(copied.query_one("#copied-message", Static).render())
        assert "via OSC 52" in message
        assert "tmux needs set-clipboard on" in message
        assert copied.query_one("#copied-text", TextArea).text == modal.body

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is modal
