"""The journal's list says which trainee each action was about, by name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import text
from textual.widgets import DataTable, Static

from tests.tui.conftest import FIXED_NOW, OPERATOR, connections_for, settle

# A slug no demo trainee has.
GONE_SLUG = "Zz9yXw8vUt7sRq6pOn5mLk4j"


def _full_name(engine: Any, trainee_id: int) -> str:
    """The trainee's name as Register's database holds it."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT first_names, middle_names, last_name FROM trainees"
                " WHERE id = :id"
            ),
            {"id": trainee_id},
        ).one()
    return " ".join(part for part in row if part)


def _write(folder: Path, *targets: dict[str, Any]) -> None:
    """One entry per target, the first one the oldest."""
    from services.journal import Journal, JournalEntry

    journal = Journal.in_data_dir(folder)
    for number, target in enumerate(targets):
        journal.append(
            JournalEntry(
                operator=OPERATOR,
                action=f"jobs:retry{number}",
                outcome="applied",
                summary=f"entry {number}",
                target=target,
                at=FIXED_NOW - timedelta(minutes=len(targets) - number),
            )
        )


async def test_journal_row_names_the_trainee_of_a_fix(make_app: Any, demo: Any) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.journal import JournalScreen

    fifi = PLAYBOOK_TRAINEES["dqt_500_on_update"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *fifi.name.split()[-1].lower(), "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"DQT is back", "ctrl+y")
        await settle(pilot)

        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
        table = app.screen.query_one("#journal", DataTable)
        newest = table.get_row_at(0)
        assert str(newest[2]) == "fix:retry"
        name = _full_name(demo.engine, fifi.trainee_id)
        assert str(newest[3]) == f"{name} ({fifi.slug})"


async def test_names_for_ids_slugs_and_trainees_that_are_gone(
    make_app: Any, demo: Any, data_dir: Path
) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.screens.journal import JournalScreen

    errol = PLAYBOOK_TRAINEES["withdrawn_in_error"]
    fifi = PLAYBOOK_TRAINEES["dqt_500_on_update"]
    _write(
        data_dir,
        {"slug": GONE_SLUG, "trainee_id": 987654},
        {"trainee_ids": [fifi.trainee_id, errol.trainee_id]},
        {"trainee_id": errol.trainee_id},
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        table = screen.query_one("#journal", DataTable)
        errol_label = f"{_full_name(demo.engine, errol.trainee_id)} ({errol.slug})"
        fifi_label = f"{_full_name(demo.engine, fifi.trainee_id)} ({fifi.slug})"
        assert [str(table.get_row_at(row)[3]) for row in range(3)] == [
            errol_label,
            f"{fifi_label} +1",
            f"{GONE_SLUG} (not found)",
        ]

        # The detail names every trainee a job action touched.
        await pilot.press("down")
        await settle(pilot)
        lines = dict(screen_lines(screen))
        assert lines["Trainee"] == f"{fifi_label}; {errol_label}"


def screen_lines(screen: Any) -> list[tuple[str, str]]:
    from tui.screens.journal import entry_lines

    return entry_lines(screen.current(), screen.names)


async def test_journal_lists_slugs_when_postgresql_is_down(
    data_dir: Path, demo: Any
) -> None:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES
    from tui.app import TriageApp
    from tui.screens.journal import JournalScreen

    errol = PLAYBOOK_TRAINEES["withdrawn_in_error"]
    _write(data_dir, {"trainee_id": errol.trainee_id, "slug": errol.slug})
    connections = connections_for(
        "postgresql://register@127.0.0.1:1/register",
        demo.redis_url,
        demo.simulator.url,
        demo.api_key,
        data_dir=data_dir,
    )
    app = TriageApp(connections, clock=lambda: FIXED_NOW)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("l")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, JournalScreen)
            table = screen.query_one("#journal", DataTable)
            assert str(table.get_row_at(0)[3]) == errol.slug
            status = str(screen.query_one("#journal-status", Static).render())
            assert status == (
                "1 entry; trainees' names could not be read (PostgreSQL down)"
            )
    finally:
        connections.close()


async def test_reload_keeps_the_highlighted_entry(
    make_app: Any, data_dir: Path
) -> None:
    from tui.screens.journal import JournalScreen

    _write(data_dir, {"trainee_id": 1}, {"trainee_id": 2}, {"trainee_id": 3})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        await pilot.press("down", "down")
        await settle(pilot)
        chosen = screen.current()
        assert chosen is not None and chosen.summary == "entry 0"

        # A newer entry arrives: the chosen one moves down a row and stays chosen.
        from services.journal import Journal, JournalEntry

        Journal.in_data_dir(data_dir).append(
            JournalEntry(
                operator=OPERATOR,
                action="jobs:delete",
                outcome="applied",
                summary="newest",
                at=FIXED_NOW,
            )
        )
        await pilot.press("ctrl+r")
        await settle(pilot)
        table = screen.query_one("#journal", DataTable)
        assert table.row_count == 4
        assert table.cursor_row == 3
        assert screen.current() == chosen


def test_a_long_value_wraps_in_its_own_column() -> None:
    from services.journal import JournalEntry
    from tui.screens.journal import entry_grid

    entry = JournalEntry(
        operator=OPERATOR,
        action="jobs:retry",
        outcome="partial",
        summary="database changed; " + "UpdateTraineeJob not enqueued " * 4,
        at=FIXED_NOW,
    )
    console = Console(width=50, color_system=None)
    with console.capture() as captured:
        console.print(entry_grid(entry, None))
    lines = captured.get().splitlines()
    summary = next(n for n, line in enumerate(lines) if "Summary" in line)
    value_column = lines[summary].index("database")
    # The summary's next lines start under its first word, not under the label.
    assert lines[summary + 1][:value_column].strip() == ""
    assert lines[summary + 1][value_column:].strip()


def test_job_ids_read_as_words_not_as_a_python_list() -> None:
    from services.journal import JournalEntry
    from tui.screens.journal import entry_lines

    entry = JournalEntry(
        operator=OPERATOR,
        action="jobs:delete",
        outcome="applied",
        summary="2 jobs deleted",
        target={"trainee_id": 46, "jids": ["4c1f0e9a2b7d", "9dd714007c39"]},
        at=FIXED_NOW,
    )
    target = dict(entry_lines(entry, None))["Target"]
    assert target == "trainee_id 46, jids 4c1f0e9a2b7d, 9dd714007c39"


async def test_reopened_after_new_entries_shows_the_newest_with_the_list_focused(
    make_app: Any, data_dir: Path
) -> None:
    from services.journal import Journal, JournalEntry
    from tui.screens.journal import JournalScreen

    # More entries than the list shows at 80x24, so the newest can be out of view.
    _write(data_dir, *({"trainee_id": n} for n in range(1, 31)))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        # An old entry opened in full, then the detail pane scrolled.
        await pilot.press("pagedown", "pagedown", "enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        screen.query_one("#journal-detail").focus()
        await pilot.press("j")
        await settle(pilot)

        # Fixes made meanwhile.
        for number in range(2):
            Journal.in_data_dir(data_dir).append(
                JournalEntry(
                    operator=OPERATOR,
                    action="fix:retry",
                    outcome="applied",
                    summary=f"new {number}",
                    at=FIXED_NOW + timedelta(minutes=number),
                )
            )
        await pilot.press("l")
        await settle(pilot)
        assert app.screen is screen
        table = screen.query_one("#journal", DataTable)
        assert table.row_count == 32
        assert table.cursor_row == 0
        assert table.scroll_y == 0
        assert screen.current().summary == "new 1"
        assert app.focused is table

        # Shown again with nothing new: the highlighted entry stays.
        await pilot.press("down", "down")
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert table.cursor_row == 2
        assert app.focused is table
