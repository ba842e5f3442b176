"""The trainee screen at 80x24 and 120x40: nothing that matters is cut off."""

from __future__ import annotations

from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from tests.tui.conftest import settle

# Demo trainees (sandbox.demo.PLAYBOOK_TRAINEES): the date-of-birth mismatch (TRN
# received) and the trainee withdrawn in error, whose slug fills an 80-column line.
DOB_MISMATCH_ID = 1
WITHDRAWN_IN_ERROR_ID = 46


async def _open(pilot: Any, trainee_id: int, *keys: str) -> Any:
    from tui.screens.trainee import TraineeScreen

    await settle(pilot)
    pilot.app.push_screen(TraineeScreen(trainee_id))
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
    await settle(pilot)
    return pilot.app.screen


def _rows(table: DataTable) -> dict[str, list[str]]:
    return {
        str(cells[0]): [str(cell) for cell in cells[1:]]
        for cells in (table.get_row_at(i) for i in range(table.row_count))
    }


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_comparison_fits_and_shows_the_difference_without_scrolling(
    make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    app = make_snapshot_app()
    async with app.run_test(size=size) as pilot:
        screen = await _open(pilot, DOB_MISMATCH_ID)
        table = screen.query_one("#compare", DataTable)
        side = screen.query_one("#compare-side", VerticalScroll)

        # No column runs past the pane: no horizontal scrolling, nothing cut.
        assert table.virtual_size.width <= table.size.width
        assert table.region.right <= side.region.right
        rows = _rows(table)
        assert rows["ITT programme type"][:2] == [
            "ProviderLedPostgrad",
            "ProviderLedPostgrad",
        ]
        assert rows["ITT result"][:2] == ["in training (TRN received)", "InTraining"]
        assert rows["QTS date"][:2] == ["not awarded", "—"]
        # Every value fits its cell, on as many lines as the row has.
        widths = [column.width for column in table.columns.values()]
        for index, row in enumerate(table.ordered_rows):
            cells = [str(cell) for cell in table.get_row_at(index)]
            for cell, width in zip(cells[:3], widths[:3], strict=True):
                assert len(cell) <= width * row.height, (cell, width, row.height)

        # The difference is worded in full on the first screen, above the table.
        notes = screen.query_one("#compare-notes", Static)
        assert "date of birth: Register has 1988-06-18, DQT has 1988-06-08" in str(
            notes.render()
        )
        assert side.scroll_y == 0
        assert notes.region.height > 0
        assert notes.region.bottom <= side.region.bottom
        headline = str(screen.query_one("#compare-headline", Static).render())
        assert "DQT's ITT record compared: UKPRN 19910001, ProviderLedPostgrad" in (
            " ".join(headline.split())
        )


async def test_comparison_notes_take_a_column_where_there_is_room(
    make_snapshot_app: Any,
) -> None:
    app = make_snapshot_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await _open(pilot, DOB_MISMATCH_ID)
        table = screen.query_one("#compare", DataTable)
        assert [str(c.label) for c in table.columns.values()][-1] == "Note"
        assert _rows(table)["date of birth"][-1] == (
            "Register has 1988-06-18, DQT has 1988-06-08"
        )
        assert table.virtual_size.width <= table.size.width
        assert str(screen.query_one("#compare-notes", Static).render()) == ""


def _lines(widget: Any) -> list[str]:
    return [
        "".join(segment.text for segment in widget.render_line(y))
        for y in range(widget.size.height)
    ]


async def test_heading_keeps_the_whole_slug_at_80_columns(
    make_snapshot_app: Any,
) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES

    slug = PLAYBOOK_TRAINEES["withdrawn_in_error"].slug
    app = make_snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, WITHDRAWN_IN_ERROR_ID, "3")
        heading = screen.query_one("#trainee-heading", Static)
        shown = " ".join(_lines(heading))
        assert f"slug {slug}" in shown, shown
        assert heading.region.right <= 80


async def test_jobs_tab_shows_the_highlighted_job_in_full_at_80x24(
    make_snapshot_app: Any,
) -> None:
    app = make_snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, DOB_MISMATCH_ID, "4")
        table = screen.query_one("#trainee-jobs", DataTable)

        # The table fits the screen: no horizontal scrollbar.
        assert table.virtual_size.width <= table.size.width
        assert table.row_count == 1

        # Its cells are cut to fit; below it the job is worded in full.
        detail = screen.query_one("#tjobs-detail-text", Static)
        shown = " ".join(" ".join(_lines(detail)).split())
        item = screen.jobs.jobs[0]
        assert item.case_title == "TRN not found on DQT (10001)"
        assert f"Case {item.case_title}" in shown
        error = " ".join(item.error.split())
        assert error.startswith("404 · 10001 Teacher")
        assert f"Error {error}" in shown
        assert "Fixes align date of birth" in shown
        assert detail.region.bottom <= 23


async def test_record_values_wrap_in_their_own_column(make_snapshot_app: Any) -> None:
    app = make_snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, DOB_MISMATCH_ID)
        record = screen.query_one("#compare-record-text", Static)
        lines = _lines(record)
        provider = next(i for i, line in enumerate(lines) if "Provider" in line)
        value_column = lines[provider].index("University of Northmoor")
        # The provider's UKPRN wraps onto the next line, under the value.
        follow = lines[provider + 1]
        assert "19910001" in lines[provider] + follow
        assert follow[:value_column].strip() == ""
        degree = next(i for i, line in enumerate(lines) if "Degree" in line)
        assert lines[degree + 1][:value_column].strip() == ""
        # The longest label keeps a space before its value.
        assert "Recommended not set" in [" ".join(line.split()) for line in lines]
