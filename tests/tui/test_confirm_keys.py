"""Keys in the confirmation handled in the order they were typed: a comment typed
in one burst and ctrl+y straight after is applied whole; one escape answers No."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from textual.widgets import Button, Input, Static

from tests.tui.conftest import burst, settle

# 215 characters, as a terminal sends a line pasted from elsewhere.
LONG_COMMENT = (
    "Provider emailed on 11 March: the trainee's address changed after the "
    "placements moved to the Northmoor campus; DQT holds the old one, and the "
    "update job failed twice, so Register is corrected here before the retry."
)


def _last_audit_comment(engine: Any, trainee_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT comment FROM audits WHERE auditable_type = 'Trainee'"
                " AND auditable_id = :id ORDER BY version DESC LIMIT 1"
            ),
            {"id": trainee_id},
        ).scalar_one()


async def _confirm_email_change(pilot: Any, trainee_id: int) -> Any:
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.trainee import TraineeScreen

    await settle(pilot)
    pilot.app.push_screen(TraineeScreen(trainee_id))
    await settle(pilot)
    pilot.app.screen.fixes.start(
        "edit_field",
        str(trainee_id),
        {"field": "email", "value": "new.address@example.org", "clear": "no"},
    )
    await settle(pilot)
    confirm = pilot.app.screen
    assert isinstance(confirm, ConfirmScreen)
    assert confirm.query_one("#confirm-comment", Input).has_focus
    return confirm


async def test_comment_typed_in_one_burst_then_ctrl_y_is_applied_whole(
    make_app: Any, demo: Any, data_dir: Path
) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES

    assert len(LONG_COMMENT) == 215
    ruth = PLAYBOOK_TRAINEES["change_route"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _confirm_email_change(pilot, ruth.trainee_id)
        burst(app, *LONG_COMMENT, "ctrl+y")
        await settle(pilot)
        for _ in range(30):
            if app.writes_done:
                break
            await pilot.pause(0.1)
        assert app.writes_done == 1

    assert _last_audit_comment(demo.engine, ruth.trainee_id) == LONG_COMMENT
    journal = [json.loads(line) for line in (data_dir / "journal.jsonl").open()]
    assert journal[-1]["action"] == "fix:edit_field"
    assert journal[-1]["comment"] == LONG_COMMENT


async def test_retry_comment_typed_in_one_burst_is_journalled_whole(
    make_app: Any, demo: Any, data_dir: Path
) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.trainee import TraineeScreen

    fifi = PLAYBOOK_TRAINEES["dqt_500_on_update"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(TraineeScreen(fifi.trainee_id))
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        burst(app, *LONG_COMMENT[:211], "ctrl+y")
        await settle(pilot)
        for _ in range(30):
            if app.writes_done:
                break
            await pilot.pause(0.1)

    journal = [json.loads(line) for line in (data_dir / "journal.jsonl").open()]
    assert journal[-1]["action"] == "fix:retry"
    assert journal[-1]["comment"] == LONG_COMMENT[:211]


async def test_one_escape_in_the_comment_box_answers_no(make_app: Any) -> None:
    from tui.screens.confirm import ChangeSummary, ConfirmScreen

    app = make_app()
    answers: list[str | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.screen
        summary = ChangeSummary(title="A change", sections=[("Register", ["a → b"])])
        app.push_screen(ConfirmScreen(summary, writes_enabled=True), answers.append)
        await pilot.pause()
        assert app.screen.query_one("#confirm-comment", Input).has_focus

        burst(app, *"half a comment", "escape")
        await settle(pilot)
        assert app.screen is home
    assert answers == [None]


async def test_hint_names_only_the_keys_that_answer_where_the_focus_is(
    make_app: Any,
) -> None:
    from tui.screens.confirm import ChangeSummary, ConfirmScreen

    app = make_app()
    answers: list[str | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        summary = ChangeSummary(title="A change", sections=[("Register", ["a → b"])])
        app.push_screen(ConfirmScreen(summary, writes_enabled=True), answers.append)
        await pilot.pause()
        confirm = app.screen
        hint = confirm.query_one("#confirm-hint", Static)

        # In the box, n is a letter of the comment: the hint does not offer it.
        in_box = str(hint.render())
        assert in_box == "Comment, then ctrl+y applies · escape: no"
        await pilot.press("n", "o")
        assert confirm.query_one("#confirm-comment", Input).value == "no"
        assert app.screen is confirm

        # On the buttons, n answers.
        await pilot.press("enter")
        await pilot.pause()
        assert confirm.query_one("#confirm-no", Button).has_focus
        assert str(hint.render()) == "ctrl+y or y applies · n or escape: no"
        await pilot.press("n")
        await pilot.pause()
    assert answers == [None]


def _footer_keys(screen: Any) -> dict[str, str]:
    """The footer's bindings as shown: key → label."""
    return {
        key: binding.description
        for key, (_, binding, enabled, _) in screen.active_bindings.items()
        if binding.show and enabled
    }


async def test_footer_offers_yes_only_when_the_change_can_be_applied(
    make_app: Any,
) -> None:
    from tui.screens.confirm import ChangeSummary, ConfirmScreen

    summary = ChangeSummary(title="A change", sections=[("Register", ["a → b"])])
    refused = ChangeSummary(title="A change", blocked="the trainee is awarded")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmScreen(summary, writes_enabled=True))
        await settle(pilot)
        assert _footer_keys(app.screen).get("ctrl+y") == "Yes, apply"
        app.pop_screen()

        for shown, writes in ((summary, False), (refused, True)):
            app.push_screen(ConfirmScreen(shown, writes_enabled=writes))
            await settle(pilot)
            keys = _footer_keys(app.screen)
            assert "ctrl+y" not in keys
            assert keys["escape"] == "No"
            # y answers nothing either.
            await pilot.press("y")
            assert isinstance(app.screen, ConfirmScreen)
            app.pop_screen()
