"""At 80x24 the READ-ONLY banner and a long trainee heading wrap, not cut."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import settle


async def test_read_only_banner_is_whole_at_80_columns(make_app: Any) -> None:
    from tui.widgets.chrome import ModeBanner

    app = make_app(writes=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        banner = app.screen.query_one(ModeBanner)
        text = str(banner.render())
        assert "TRIAGE_ALLOW_WRITES=true turns them on" in text
        assert banner.size.height * banner.size.width >= len(text)
        assert banner.size.height == 2


async def test_trainee_heading_keeps_the_slug_at_80_columns(make_app: Any) -> None:
    from textual.widgets import Static

    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.trainee import TraineeScreen

    delia = PLAYBOOK_TRAINEES["teacher_not_found_dob_mismatch"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(TraineeScreen(delia.trainee_id))
        await settle(pilot)
        heading = app.screen.query_one("#trainee-heading", Static)
        text = str(heading.render())
        assert f"slug {delia.slug}" in text
        assert len(text) > 78  # longer than a line: it takes two
        assert heading.size.height == 2
