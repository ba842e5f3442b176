"""Every screen and modal of the app, drawn at 80x24 and at 120x40.

The baselines in `__snapshots__/` were looked at before they were committed; a
changed drawing fails here until it is looked at again and accepted with
`pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import (
    FIXED_NOW,
    OPERATOR,
    SHOWN_DATA_DIR,
    connections_for,
    settle,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
# Variants of a screen already drawn at both sizes (another tab, a filter, a mode)
# are drawn at the baseline size only, to keep the suite quick.
BASELINE = [pytest.param((80, 24), id="80x24")]

# Demo trainees (sandbox.demo.PLAYBOOK_TRAINEES): the date-of-birth mismatch and the
# trainee withdrawn in error.
DOB_MISMATCH_ID = 1
WITHDRAWN_IN_ERROR_ID = 46


async def _press(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await settle(pilot)


def _open_trainee(trainee_id: int, *keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        from tui.screens.trainee import TraineeScreen

        await settle(pilot)
        pilot.app.push_screen(TraineeScreen(trainee_id))
        await settle(pilot)
        await _press(pilot, *keys)

    return run_before


def _keys(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await _press(pilot, *keys)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_failed_jobs(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(make_snapshot_app(), terminal_size=size, run_before=_keys())


@pytest.mark.parametrize("size", BASELINE)
def test_failed_jobs_one_case_filtered(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    # Down to "TRN not found on DQT (10001)" in the cases, then narrowed by text.
    keys = ("c", "down", "down", "enter", "slash", "u", "p", "d", "enter")
    assert snap_compare(
        make_snapshot_app(), terminal_size=size, run_before=_keys(*keys)
    )


@pytest.mark.parametrize("size", SIZES)
def test_raw_error_modal(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_snapshot_app(), terminal_size=size, run_before=_keys("down", "e")
    )


@pytest.mark.parametrize("size", SIZES)
def test_copied_text_modal(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_snapshot_app(), terminal_size=size, run_before=_keys("down", "e", "c")
    )


@pytest.mark.parametrize("size", SIZES)
def test_fix_chooser(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    # The fourth job: an update sent before the trainee had a TRN (405).
    keys = ("down", "down", "down", "f")
    assert snap_compare(
        make_snapshot_app(), terminal_size=size, run_before=_keys(*keys)
    )


@pytest.mark.parametrize("size", BASELINE)
def test_orphan_job_delete_confirmation(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    # The second job names a trainee that no longer exists: only deleting it helps.
    app = make_snapshot_app()
    assert snap_compare(app, terminal_size=size, run_before=_keys("down", "f"))


@pytest.mark.parametrize("size", SIZES)
def test_search_results(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await _press(pilot, "s")
        for key in "race":
            await pilot.press(key)
        await pilot.pause(0.4)
        await settle(pilot)

    assert snap_compare(make_snapshot_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_trainee_register_dqt(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_snapshot_app(),
        terminal_size=size,
        run_before=_open_trainee(DOB_MISMATCH_ID),
    )


@pytest.mark.parametrize("size", BASELINE)
def test_trainee_record(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_snapshot_app(),
        terminal_size=size,
        run_before=_open_trainee(DOB_MISMATCH_ID, "2"),
    )


@pytest.mark.parametrize("size", BASELINE)
def test_trainee_timeline(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_snapshot_app(),
        terminal_size=size,
        run_before=_open_trainee(WITHDRAWN_IN_ERROR_ID, "3"),
    )


@pytest.mark.parametrize("size", BASELINE)
def test_trainee_jobs(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_snapshot_app(),
        terminal_size=size,
        run_before=_open_trainee(DOB_MISMATCH_ID, "4"),
    )


@pytest.mark.parametrize("size", BASELINE)
def test_trainee_fixes(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_snapshot_app(),
        terminal_size=size,
        run_before=_open_trainee(WITHDRAWN_IN_ERROR_ID, "5"),
    )


@pytest.mark.parametrize("size", SIZES)
def test_confirmation(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    # Un-withdrawing the trainee withdrawn in error: preview, then the confirmation.
    async def run_before(pilot: Any) -> None:
        await _open_trainee(WITHDRAWN_IN_ERROR_ID)(pilot)
        pilot.app.screen.fixes.start(
            "unwithdraw", str(WITHDRAWN_IN_ERROR_ID), {"enqueue_update": "yes"}
        )
        await settle(pilot)

    assert snap_compare(make_snapshot_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_fix_parameters(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Any) -> None:
        await _open_trainee(DOB_MISMATCH_ID)(pilot)
        pilot.app.screen.fixes.start("edit_field", str(DOB_MISMATCH_ID))
        await settle(pilot)

    assert snap_compare(make_snapshot_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_pending_trns(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(make_snapshot_app(), terminal_size=size, run_before=_keys("t"))


@pytest.mark.parametrize("size", SIZES)
def test_pending_awards(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(make_snapshot_app(), terminal_size=size, run_before=_keys("a"))


def _write_journal(folder: Path) -> None:
    from sandbox.demo_cases import MISSING_TRAINEE_ID
    from services.journal import Journal, JournalEntry

    journal = Journal.in_data_dir(folder)
    # The newest entry (highlighted) has values long enough to wrap in the
    # detail pane; the refused one names a trainee Register does not have.
    entries = [
        (
            "fix:unwithdraw",
            "applied",
            "trainee 46: state withdrawn -> TRN received",
            "Withdrawn in error, provider confirmed by email",
            {"trainee_id": WITHDRAWN_IN_ERROR_ID},
            {},
        ),
        (
            "fix:award_on_register",
            "refused",
            "writes are disabled",
            "check",
            {"trainee_id": MISSING_TRAINEE_ID},
            {},
        ),
        (
            "jobs:retry",
            "partial",
            "database changed; UpdateTraineeJob not enqueued",
            "DOB aligned with DQT after the provider sent the birth certificate "
            "(Zendesk 481516)",
            {"trainee_id": WITHDRAWN_IN_ERROR_ID, "jids": ["4c1f0e9a2b7d3c5e6f708192"]},
            {"left_to_do": ["enqueue UpdateTraineeJob for trainee 46 (r on its job)"]},
        ),
    ]
    for minutes, (action, outcome, summary, comment, target, detail) in enumerate(
        entries
    ):
        journal.append(
            JournalEntry(
                operator=OPERATOR,
                action=action,
                outcome=outcome,  # type: ignore[arg-type]
                summary=summary,
                target=target,
                detail=detail,
                comment=comment,
                at=FIXED_NOW - timedelta(minutes=10 * (3 - minutes)),
            )
        )


@pytest.mark.parametrize("size", SIZES)
def test_journal(
    snap_compare: Any,
    make_snapshot_app: Any,
    snapshot_data_dir: Path,
    size: tuple[int, int],
) -> None:
    _write_journal(snapshot_data_dir)
    app = make_snapshot_app()
    assert snap_compare(app, terminal_size=size, run_before=_keys("l"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_snapshot_app(), terminal_size=size, run_before=_keys("f1"))


@pytest.mark.parametrize("size", SIZES)
def test_about_read_only_services_down(
    snap_compare: Any,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    """About with configured (unreachable) services: passwords and keys masked,
    read-only, and the home screen saying which service did not answer."""
    import platform
    from importlib import metadata

    from tui.app import TriageApp

    # Library versions change with every fresh install; the drawing must not.
    monkeypatch.setattr(metadata, "version", lambda name: "9.9.9")
    monkeypatch.setattr(platform, "python_version", lambda: "3.11.99")

    connections = connections_for(
        "postgresql://register:s3cret@127.0.0.1:1/register",
        "redis://:hunter2@127.0.0.1:1/0",
        "http://127.0.0.1:1",
        "dqt-secret-key",
        data_dir=SHOWN_DATA_DIR,
        writes=False,
        sandbox=False,
    )
    app = TriageApp(connections, clock=lambda: FIXED_NOW)
    try:
        assert snap_compare(app, terminal_size=size, run_before=_keys("f2"))
    finally:
        connections.close()


@pytest.mark.parametrize("size", BASELINE)
def test_read_only_home(
    snap_compare: Any, make_snapshot_app: Any, size: tuple[int, int]
) -> None:
    app = make_snapshot_app(writes=False, sandbox=False)
    assert snap_compare(app, terminal_size=size, run_before=_keys())
