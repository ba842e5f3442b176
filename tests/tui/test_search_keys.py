"""Trainee search from the keyboard: enter in the box opens the first result,
escape clears the box and, when it is empty, goes back to the failed jobs."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from tests.tui.conftest import settle


async def test_enter_in_the_box_opens_the_first_result(make_app: Any) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.trainee import TraineeScreen

    delia = PLAYBOOK_TRAINEES["teacher_not_found_dob_mismatch"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        # Enter straight after typing: the search has not even started yet.
        await pilot.press(*delia.name.split()[-1].lower(), "enter")
        await pilot.pause(0.4)
        await settle(pilot)
        assert isinstance(app.screen, TraineeScreen)
        assert app.screen.trainee_id == delia.trainee_id


async def test_escape_clears_then_goes_back(make_app: Any) -> None:
    from tui.screens.failed_jobs import FailedJobsScreen
    from tui.screens.trainee_search import TraineeSearchScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", *"race")
        await pilot.pause(0.4)
        await settle(pilot)
        search = app.screen
        assert isinstance(search, TraineeSearchScreen)
        assert search.rows

        await pilot.press("escape")
        await settle(pilot)
        box = search.query_one("#search-query", Input)
        assert app.screen is search
        assert box.value == ""
        assert box.has_focus
        assert search.rows == []

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FailedJobsScreen)


async def _search(pilot: Any, typed: str) -> Any:
    from tui.screens.trainee_search import TraineeSearchScreen

    await pilot.press("s", *typed)
    await pilot.pause(0.4)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TraineeSearchScreen)
    return screen


async def test_enter_with_several_matches_moves_to_the_results(make_app: Any) -> None:
    from textual.widgets import DataTable

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = await _search(pilot, "race")
        assert len(search.rows) == 2

        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is search
        assert search.query_one("#search-results", DataTable).has_focus


async def test_keys_typed_straight_after_enter_go_to_the_results(
    make_app: Any,
) -> None:
    from textual import events

    from tui.screens.failed_jobs import FailedJobsScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = await _search(pilot, "rac")
        box = search.query_one("#search-query", Input)
        await pilot.press("e")

        # Enter and j in one read from the terminal, no pause between them,
        # while the search for "race" has not even started.
        driver = app._driver
        assert driver is not None
        for key, char in (("enter", "\r"), ("j", "j")):
            event = events.Key(key, char)
            event.set_sender(app)
            driver.send_message(event)
        await pilot.pause(0.4)
        await settle(pilot)

        assert box.value == "race"
        # j reached the results, where it is the key of the failed jobs.
        assert isinstance(app.screen, FailedJobsScreen)


async def test_a_provider_name_finds_its_trainees(make_app: Any) -> None:
    from rich.text import Text
    from textual.widgets import DataTable, Static

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = await _search(pilot, "Kestrel")
        assert search.rows
        assert {row.matched_by for row in search.rows} == {"provider"}
        assert {row.provider for row in search.rows} == {
            "Kestrel Bay Teacher Training 19900103"
        }
        status = str(search.query_one("#search-status", Static).render())
        assert status.startswith(f"{len(search.rows)} trainee")
        assert "Kestrel Bay Teacher Training (provider name matched" in status
        table = search.query_one("#search-results", DataTable)
        provider_cell = table.get_cell(
            table.coordinate_to_cell_key((0, 0)).row_key, "provider"
        )
        assert isinstance(provider_cell, Text)
        assert provider_cell.style == "bold"


async def test_no_match_says_what_was_tried_in_full(make_app: Any) -> None:
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = await _search(pilot, "Zzyzxqueue")
        status = search.query_one("#search-status", Static)
        assert str(status.render()) == (
            "No trainee matches: tried last name starting “Zzyzxqueue”, "
            "provider name with a word starting “Zzyzxqueue”."
        )
        # Wrapped, not cut at the edge of an 80-column screen.
        assert status.size.height == 2


async def test_back_on_search_the_last_query_is_replaced_by_typing(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = await _search(pilot, "race")
        await pilot.press("tab", "j")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        box = search.query_one("#search-query", Input)
        assert app.screen is search
        assert box.has_focus
        assert box.selected_text == "race"

        await pilot.press(*"smith")
        assert box.value == "smith"


async def test_the_footer_names_what_escape_does(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = await _search(pilot, "race")
        assert search.active_bindings["escape"].binding.description == "Clear search"
        await pilot.press("escape")
        await settle(pilot)
        assert search.active_bindings["escape"].binding.description == "Failed jobs"


async def test_text_past_the_search_limit_is_refused_as_typed(make_app: Any) -> None:
    """A paste or a burst of thousands of characters must not make every key
    slower than the last: the box keeps the search's limit."""
    from services.register.trainees import MAX_QUERY_LENGTH
    from tests.tui.conftest import burst

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        burst(app, *("x" * (MAX_QUERY_LENGTH + 50)))
        await settle(pilot)
        box = app.screen.query_one("#search-query", Input)
        assert box.value == "x" * MAX_QUERY_LENGTH
