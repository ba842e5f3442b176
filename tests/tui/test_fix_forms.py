"""The fixes' parameter forms: plain labels, fixed answers chosen from lists,
refused values shown in the form, a job's id filled in when it is known."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Select, Static

from tests.tui.conftest import settle


def _trainee(case: str) -> Any:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES

    return PLAYBOOK_TRAINEES[case]


async def _open_trainee(pilot: Any, trainee_id: int) -> Any:
    from tui.screens.trainee import TraineeScreen

    await settle(pilot)
    pilot.app.push_screen(TraineeScreen(trainee_id))
    await settle(pilot)
    return pilot.app.screen


async def _open_fix_form(pilot: Any, trainee_id: int, fix: str) -> Any:
    """The fix's parameter form, started from the trainee's screen."""
    from tui.screens.fix_params import FixParamsScreen

    screen = await _open_trainee(pilot, trainee_id)
    screen.fixes.start(fix, str(trainee_id))
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, FixParamsScreen)
    return form


async def _choose_fix(pilot: Any, name: str) -> None:
    from tui.screens.choose import ChooseScreen

    chooser = pilot.app.screen
    assert isinstance(chooser, ChooseScreen)
    ids = [choice_id for choice_id, _title, _help in chooser.choices]
    await pilot.press(*["down"] * ids.index(name), "enter")
    await settle(pilot)


async def test_route_is_chosen_from_a_list_with_plain_labels(make_app: Any) -> None:
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.fix_params import FixParamsScreen

    ruth = _trainee("change_route")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_trainee(pilot, ruth.trainee_id)
        await pilot.press("f")
        await settle(pilot)
        await _choose_fix(pilot, "change_route")
        form = app.screen
        assert isinstance(form, FixParamsScreen)
        labels = [str(w.render()) for w in form.query(".param-label")]
        assert labels[0] == "New training route (required)"
        route = form.query_one("#param-route", Select)
        shown = [str(prompt) for prompt, _value in route._options]
        assert "school direct salaried" in shown

        route.value = "school_direct_salaried"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)


async def test_a_refused_value_keeps_the_form_open_with_the_reason(
    make_app: Any,
) -> None:
    from tui.screens.fix_params import FixParamsScreen

    delia = _trainee("teacher_not_found_dob_mismatch")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_fix_form(pilot, delia.trainee_id, "edit_field")
        form.query_one("#param-field", Select).value = "middle_names"
        form.query_one("#param-value", Input).value = ""  # neither a value nor clear
        await pilot.press("ctrl+s")
        await settle(pilot)

        again = app.screen
        assert isinstance(again, FixParamsScreen)
        assert again is not form
        error = str(again.query_one("#params-error", Static).render())
        assert error.startswith("Not accepted:")
        assert "needs value" in error
        assert again.query_one("#param-field", Select).value == "middle_names"


async def test_align_date_of_birth_from_a_failing_job_has_its_jid(
    make_app: Any,
) -> None:
    from tui.screens.fix_params import FixParamsScreen

    delia = _trainee("teacher_not_found_dob_mismatch")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *delia.name.split()[-1].lower(), "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        jid = app.screen.current_row().job.jid
        await pilot.press("f")
        await settle(pilot)
        await _choose_fix(pilot, "align_date_of_birth")
        form = app.screen
        assert isinstance(form, FixParamsScreen)
        assert form.query_one("#param-jid", Input).value == jid


async def test_enter_on_the_trainees_jobs_tab_offers_that_jobs_fixes(
    make_app: Any,
) -> None:
    from tui.screens.choose import ChooseScreen

    fifi = _trainee("dqt_500_on_update")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_trainee(pilot, fifi.trainee_id)
        await pilot.press("4")
        await settle(pilot)
        screen.query_one("#trainee-jobs", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        chooser = app.screen
        assert isinstance(chooser, ChooseScreen)
        assert "retry" in [choice_id for choice_id, _t, _h in chooser.choices]


async def test_a_choice_in_the_form_at_80x24_by_keyboard_only(make_app: Any) -> None:
    from textual.widgets._select import SelectOverlay

    from services.fixes.edit_field import EDITABLE_FIELDS

    delia = _trainee("teacher_not_found_dob_mismatch")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_fix_form(pilot, delia.trainee_id, "edit_field")
        field = form.query_one("#param-field", Select)
        assert app.focused is field

        # The form is whole: its hint, one line, inside the dialog and the screen.
        hint = form.query_one("#params-hint", Static)
        dialog = form.query_one("#params-dialog").region
        assert hint.region.height == 1
        assert dialog.contains_region(hint.region)
        assert dialog.bottom <= 24

        # enter opens the list; every answer can be reached and is drawn whole.
        await pilot.press("enter")
        await settle(pilot)
        overlay = field.query_one(SelectOverlay)
        assert field.expanded and app.focused is overlay
        assert overlay.region.bottom <= 23  # above the footer
        widest = max(len(name.replace("_", " ")) for name in EDITABLE_FIELDS)
        assert overlay.region.width > widest
        await pilot.press(*["down"] * len(EDITABLE_FIELDS))
        await pilot.press("enter")
        await settle(pilot)
        assert field.value == EDITABLE_FIELDS[-1]
        assert not field.expanded and app.screen is form

        # escape closes the list, not the form, and keeps the answer.
        await pilot.press("enter", "up", "escape")
        await settle(pilot)
        assert app.screen is form and not field.expanded
        assert field.value == EDITABLE_FIELDS[-1]

        # tab goes from field to field, never to the scrolling box between them.
        fields = list(form.query("Input, Select"))
        seen = []
        for _ in fields:
            await pilot.press("tab")
            seen.append(app.focused)
        assert set(seen) == set(fields)


async def test_keys_typed_straight_after_tab_land_in_the_next_field(
    make_app: Any,
) -> None:
    from tests.tui.conftest import burst

    delia = _trainee("teacher_not_found_dob_mismatch")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_fix_form(pilot, delia.trainee_id, "align_date_of_birth")
        assert app.focused is form.query_one("#param-right", Select)

        # No pause between the keys, as a fast typist or a paste sends them.
        burst(app, "tab", *"abc", "tab", *"def")
        await settle(pilot)
        assert form.query_one("#param-dqt_date_of_birth", Input).value == "abc"
        assert form.query_one("#param-jid", Input).value == "def"
        assert app.focused is form.query_one("#param-jid", Input)

        # And back: shift+tab selects the field's text, as tab into a field
        # does, so the keys typed at once replace it.
        burst(app, "shift+tab", *"12")
        await settle(pilot)
        assert form.query_one("#param-dqt_date_of_birth", Input).value == "12"
        assert form.query_one("#param-jid", Input).value == "def"

        # Enter in a text field moves on as it is read, too.
        burst(app, "enter", *"77")
        await settle(pilot)
        assert form.query_one("#param-dqt_date_of_birth", Input).value == "12"
        assert form.query_one("#param-jid", Input).value == "77"


async def _submit_align_form_with_dqt_slow(pilot: Any, demo: Any, delay: float) -> Any:
    """Delia's date of birth form sent while DQT takes `delay` seconds to answer."""
    delia = _trainee("teacher_not_found_dob_mismatch")
    form = await _open_fix_form(pilot, delia.trainee_id, "align_date_of_birth")
    form.query_one("#param-right", Select).value = "dqt"
    demo.simulator.controls.add_fault("slow", delay=delay)
    await pilot.press("ctrl+s")
    await pilot.pause(0.2)
    return form


async def test_preview_shows_it_is_being_prepared_until_it_arrives(
    make_app: Any, demo: Any
) -> None:
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.preparing import PreparingScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _submit_align_form_with_dqt_slow(pilot, demo, 1.5)
        waiting = app.screen
        assert isinstance(waiting, PreparingScreen)
        said = str(waiting.query_one("#preparing-text", Static).render())
        assert "Preparing the preview" in said
        assert "DQT" in said

        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert not any(isinstance(s, PreparingScreen) for s in app.screen_stack)


async def test_escape_stops_waiting_for_the_preview(make_app: Any, demo: Any) -> None:
    from tui.screens.preparing import PreparingScreen
    from tui.screens.trainee import TraineeScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _submit_align_form_with_dqt_slow(pilot, demo, 1.0)
        assert isinstance(app.screen, PreparingScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TraineeScreen)

        # The preview that arrives afterwards is not shown.
        await pilot.pause(1.5)
        await settle(pilot)
        assert isinstance(app.screen, TraineeScreen)


async def test_fix_chosen_on_the_trainee_screen_has_the_one_failed_jobs_jid(
    make_app: Any,
) -> None:
    from tui.screens.fix_params import FixParamsScreen

    delia = _trainee("teacher_not_found_dob_mismatch")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_trainee(pilot, delia.trainee_id)
        failed = [
            item.job.jid
            for item in screen.jobs.jobs
            if item.job.where in ("retry", "dead")
            and "align_date_of_birth" in item.fixes
        ]
        assert len(failed) == 1
        await pilot.press("f")
        await settle(pilot)
        await _choose_fix(pilot, "align_date_of_birth")
        form = app.screen
        assert isinstance(form, FixParamsScreen)
        assert form.query_one("#param-jid", Input).value == failed[0]


def _started_fix_title(screen: Any) -> str:
    """The title of the form, confirmation or read-only preview a fix opened."""
    from tui.screens.confirm import ConfirmScreen

    if isinstance(screen, ConfirmScreen):
        return screen.summary.title
    return str(getattr(screen, "title_text", ""))


async def test_enter_on_the_fixes_tab_starts_the_highlighted_fix(
    make_app: Any,
) -> None:
    from tui.fix_flow import registry

    delia = _trainee("teacher_not_found_dob_mismatch")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_trainee(pilot, delia.trainee_id)
        assert len(screen.fix_names) >= 2
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        second = registry()[screen.fix_names[1]]
        assert app.screen is not screen
        assert _started_fix_title(app.screen).startswith(second.title)
