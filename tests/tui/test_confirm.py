"""The confirmation's comment box: typed letters are text, never answers."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import Input

from tests.tui.conftest import settle


def _failed_jids(redis_client: Any) -> set[str]:
    import json

    return {
        json.loads(member)["jid"]
        for key in ("dead", "retry")
        for member in redis_client.zrange(key, 0, -1)
    }


async def test_comment_typed_fast_keeps_y_and_n(make_app: Any, demo: Any) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.confirm import ConfirmScreen

    fifi = PLAYBOOK_TRAINEES["dqt_500_on_update"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *fifi.name.split()[-1].lower(), "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        jid = app.screen.current_row().job.jid
        assert jid in _failed_jids(demo.redis)
        await pilot.press("r")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        comment = confirm.query_one("#confirm-comment", Input)
        assert comment.has_focus

        # No pause between the keys: each one must land in the box.
        await pilot.press("y", "e", "s", "space", "n", "o")
        assert app.screen is confirm
        assert comment.value == "yes no"

        # Enter leaves the box and keeps the comment; ctrl+y applies it.
        await pilot.press("enter")
        assert app.screen is confirm
        assert not comment.has_focus
        assert comment.value == "yes no"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert jid not in _failed_jids(demo.redis)


async def test_n_outside_the_box_changes_nothing(make_app: Any, demo: Any) -> None:
    from tui.screens.confirm import ChangeSummary, ConfirmScreen

    app = make_app()
    answers: list[str | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        summary = ChangeSummary(title="A change", sections=[("Register", ["a → b"])])
        app.push_screen(ConfirmScreen(summary, writes_enabled=True), answers.append)
        await pilot.pause()
        await pilot.press("w", "h", "y", "enter")  # enter: on to "No"
        assert app.screen.query_one("#confirm-comment", Input).value == "why"
        await pilot.press("n")
        await pilot.pause()
    assert answers == [None]


async def test_long_changes_scroll_with_page_keys_from_the_box(
    make_app: Any,
) -> None:
    from tui.screens.confirm import ChangeSummary, ConfirmScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = [f"field_{n}: old → new" for n in range(80)]
        summary = ChangeSummary(title="Many changes", sections=[("Register", lines)])
        app.push_screen(ConfirmScreen(summary, writes_enabled=True))
        await pilot.pause()
        confirm = app.screen
        changes = confirm.query_one("#confirm-changes", VerticalScroll)
        assert confirm.query_one("#confirm-comment", Input).has_focus
        assert changes.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert changes.scroll_y > 0
        down = changes.scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert changes.scroll_y < down
        # The answers stay on the screen below the long list.
        assert confirm.query_one("#confirm-yes").region.bottom <= 24


async def test_only_the_focused_widget_looks_focused(make_app: Any) -> None:
    from textual.widgets import Button

    from tui.screens.confirm import ChangeSummary, ConfirmScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        summary = ChangeSummary(title="A change", sections=[("Register", ["a → b"])])
        app.push_screen(ConfirmScreen(summary, writes_enabled=True))
        await pilot.pause()
        confirm = app.screen
        no = confirm.query_one("#confirm-no", Button)
        assert confirm.query_one("#confirm-comment", Input).has_focus

        # "No" is the default answer by its label, not by the highlight colour
        # that the focused widget has.
        assert str(no.label) == "No, change nothing (default)"
        primary = app.current_theme.primary
        unfocused = no.rich_style
        assert unfocused.bgcolor is None or unfocused.bgcolor.name != primary.lower()
        assert not unfocused.reverse

        # Once it has the focus, it is drawn differently.
        await pilot.press("enter")
        await pilot.pause()
        assert no.has_focus
        assert no.rich_style != unfocused


async def test_title_names_the_trainee_as_the_trainee_screen_does(
    make_app: Any,
) -> None:
    from textual.widgets import Static

    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.trainee import TraineeScreen

    errol = PLAYBOOK_TRAINEES["withdrawn_in_error"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(TraineeScreen(errol.trainee_id))
        await settle(pilot)
        app.screen.fixes.start("unwithdraw", str(errol.trainee_id))
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        title = str(app.screen.query_one("#confirm-title", Static).render())
        assert title == (
            "Undo a withdrawal: undo the withdrawal of Errol Mae Mistakenly"
            f" (slug {errol.slug})"
        )
