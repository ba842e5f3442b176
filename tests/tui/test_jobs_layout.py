"""The failed-jobs list at 80x24: the error readable in its column, and the
detail pane read from its top for each job."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import DataTable

from tests.tui.conftest import settle


async def test_error_column_and_detail_scroll_at_80x24(make_app: Any) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES

    orson = PLAYBOOK_TRAINEES["organisation_not_found"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#jobs", DataTable)
        labels = [str(column.label) for column in table.columns.values()]
        assert labels[:3] == ["Trainee", "Age", "Error"]
        errors = {row.trainee.trainee_id: row.error_short for row in screen.shown}
        assert errors[orson.trainee_id] == "400 Org not found"

        detail = screen.query_one("#job-detail", VerticalScroll)
        detail.scroll_end(animate=False)
        await pilot.pause()
        assert detail.scroll_y > 0
        await pilot.press("down")
        await settle(pilot)
        assert detail.scroll_y == 0


async def test_every_column_and_value_fits_at_120x40(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#jobs", DataTable)
        labels = [str(column.label) for column in table.columns.values()]
        assert labels == ["Trainee", "Age", "Error", "Job", "#", "Set"]

        # No horizontal scrolling, and no value cut in its column.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        for index, column in enumerate(table.columns.values()):
            longest = max(
                len(str(row[index]))
                for row in map(table.get_row_at, range(table.row_count))
            )
            assert longest <= column.width, (column.label, longest, column.width)
