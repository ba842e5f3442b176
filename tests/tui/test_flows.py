"""The app driven by keys against real services, with the effects checked where
they land: PostgreSQL rows, Redis members, the journal file."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from textual.widgets import DataTable, Static

from tests.tui.conftest import OPERATOR, settle


def _playbook(case: str) -> Any:
    from sandbox.demo_cases import PLAYBOOK_TRAINEES

    return PLAYBOOK_TRAINEES[case]


def _members(redis_client: Any, key: str) -> list[bytes]:
    return list(redis_client.zrange(key, 0, -1))


def _jobs_of(
    redis_client: Any, key: str, trainee_id: int, job_class: str
) -> list[bytes]:
    from services.sidekiq.jobs import parse_member

    found = []
    for member in _members(redis_client, key):
        job = parse_member(key, member, None)
        target = job.target
        if job.job_class == job_class and target and target.id == str(trainee_id):
            found.append(member)
    return found


async def _type(pilot: Any, text: str) -> None:
    for character in text:
        await pilot.press("space" if character == " " else character)


async def _filter_jobs_by_last_name(pilot: Any, trainee: Any, *then: str) -> None:
    """Filter the failed-jobs list to the trainee's last name, then press `then`."""
    await pilot.press("slash")
    await _type(pilot, trainee.name.split()[-1])
    await pilot.press("enter", *then)
    await settle(pilot)


def _static_text(app: Any, selector: str) -> str:
    """What the widget shows, as plain text (a label grid or a table too)."""
    from rich.console import Console

    content = app.screen.query_one(selector, Static).content
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


async def test_search_to_trainee_to_register_dqt_differences(make_app: Any) -> None:
    trainee = _playbook("teacher_not_found_dob_mismatch")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await _type(pilot, trainee.name.split()[-1])
        await pilot.pause(0.4)
        await settle(pilot)

        screen = app.screen
        assert [row.trainee_id for row in screen.rows] == [trainee.trainee_id]

        await pilot.press("enter", "enter")  # into the results, then open
        await settle(pilot)

        from tui.screens.trainee import TraineeScreen

        assert isinstance(app.screen, TraineeScreen)
        assert app.screen.trainee_id == trainee.trainee_id
        table = app.screen.query_one("#compare", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        by_field = {str(row[0]): row for row in rows}
        headline = _static_text(app, "#compare-headline")
        assert "date of birth" in by_field, headline
        dob = by_field["date of birth"]
        assert str(dob[3]) == "✗"
        assert str(dob[1]) != str(dob[2])
        # At 80 columns the notes are listed above the table, not in a column.
        notes = _static_text(app, "#compare-notes")
        assert f"Register has {dob[1]}, DQT has {dob[2]}" in notes
        assert str(by_field["TRN"][3]) == "✓"
        assert "1 difference" in _static_text(app, "#compare-headline")


async def test_failed_award_job_fixed_by_award_on_register(
    make_app: Any, demo: Any, data_dir: Path
) -> None:
    """10005 from the award job, DQT already awarded: the fix from the failed job
    awards on Register's side, writes the audit row and deletes the dead job."""
    trainee = _playbook("no_incomplete_itt_award")
    award_job = "Dqt::RecommendForAwardJob"
    dead_before = _jobs_of(demo.redis, "dead", trainee.trainee_id, award_job)
    assert len(dead_before) == 1

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _filter_jobs_by_last_name(pilot, trainee)
        assert [row.trainee.trainee_id for row in app.screen.shown] == [
            trainee.trainee_id
        ]

        await pilot.press("f")  # the fixes on offer: award on Register's side first
        await settle(pilot)
        await pilot.press("enter")  # choose it: its parameter has a default (delete
        await settle(pilot)  # the award job = yes), so the confirmation comes next

        from tui.screens.confirm import ConfirmScreen

        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        shown = "\n".join(
            line for _heading, lines in confirm.summary.sections for line in lines
        )
        assert "state: recommended for award -> awarded" in shown
        assert "delete" in shown
        assert confirm.focused.id == "confirm-comment"  # letters are the comment

        await pilot.press("enter", "y")  # out of the box, no comment yet: refused
        await settle(pilot)
        assert app.screen is confirm
        await _type(pilot, "DQT awarded on 10005")
        await pilot.press("enter", "y")
        await settle(pilot)

    with demo.engine.connect() as conn:
        state = conn.execute(
            sa.text("SELECT state FROM trainees WHERE id = :id"),
            {"id": trainee.trainee_id},
        ).scalar_one()
        audit = conn.execute(
            sa.text(
                "SELECT audited_changes, comment, username FROM audits "
                "WHERE auditable_type = 'Trainee' AND auditable_id = :id "
                "ORDER BY version DESC LIMIT 1"
            ),
            {"id": trainee.trainee_id},
        ).one()
    assert state == 6
    assert audit.comment == "DQT awarded on 10005"
    assert audit.username == f"{OPERATOR} via register-triage"
    assert audit.audited_changes["state"] == [3, 6]
    assert _jobs_of(demo.redis, "dead", trainee.trainee_id, award_job) == []

    journal = [json.loads(line) for line in (data_dir / "journal.jsonl").open()]
    assert journal[-1]["outcome"] == "applied"
    assert journal[-1]["action"] == "fix:award_on_register"


async def test_retry_pushes_the_job_and_journals_it(
    make_app: Any, demo: Any, data_dir: Path
) -> None:
    trainee = _playbook("dqt_500_on_update")
    update_job = "Dqt::UpdateTraineeJob"
    # The demo keeps this one in the retry set (Sidekiq is still retrying it).
    [member] = _jobs_of(demo.redis, "retry", trainee.trainee_id, update_job)

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _filter_jobs_by_last_name(pilot, trainee)
        await pilot.press("r")  # the jid is known: straight to the confirmation
        await settle(pilot)
        await _type(pilot, "DQT fine again")
        await pilot.press("enter", "y")
        await settle(pilot)
        # The list was read again: the job left the dead set.
        assert all(row.job.raw != member for row in app.screen.data.rows)

    assert demo.redis.zscore("retry", member) is None
    queued = demo.redis.lrange("queue:" + json.loads(member)["queue"], 0, -1)
    assert any(json.loads(item)["jid"] == json.loads(member)["jid"] for item in queued)
    journal = [json.loads(line) for line in (data_dir / "journal.jsonl").open()]
    assert journal[-1]["action"] == "fix:retry"
    assert journal[-1]["comment"] == "DQT fine again"


async def test_no_and_escape_change_nothing(make_app: Any, demo: Any) -> None:
    trainee = _playbook("dqt_500_on_update")
    before = _members(demo.redis, "retry")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _filter_jobs_by_last_name(pilot, trainee, "r")
        await pilot.press("enter", "n")  # out of the comment box, then no
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"half a", "escape")  # one escape, from the box
        await settle(pilot)
        from tui.screens.failed_jobs import FailedJobsScreen

        assert isinstance(app.screen, FailedJobsScreen)
    assert _members(demo.redis, "retry") == before


async def test_read_only_offers_a_preview_and_writes_nothing(
    make_app: Any, demo: Any
) -> None:
    trainee = _playbook("dqt_500_on_update")
    before = _members(demo.redis, "retry")
    app = make_app(writes=False, sandbox=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "READ-ONLY" in _static_text(app, "#mode-banner")
        await _filter_jobs_by_last_name(pilot, trainee, "r")
        confirm = app.screen
        assert confirm.query_one("#confirm-yes").disabled
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is confirm  # nothing applied, still previewing
    assert _members(demo.redis, "retry") == before


async def test_redis_going_down_mid_session(
    engine: Any, database_url: str, tmp_path: Path, data_dir: Path
) -> None:
    """A Redis started for this test is stopped while the app runs: the failed-jobs
    list says Redis did not answer, search (PostgreSQL) keeps working, and the
    trainee screen shows Register's record with the jobs tab saying what failed."""
    import redis

    from sandbox import servers
    from sandbox.demo import seed_demo
    from tests.tui.conftest import FIXED_NOW, connections_for
    from tui.app import TriageApp

    folder = tmp_path / "r"
    folder.mkdir()
    redis_url = servers.start_redis(folder)
    client = redis.Redis.from_url(redis_url)
    seed_demo(engine, client, today=FIXED_NOW.date())
    trainee = _playbook("teacher_not_found_dob_mismatch")
    connections = connections_for(
        database_url, redis_url, "http://127.0.0.1:1", "key", data_dir=data_dir
    )
    app = TriageApp(connections, clock=lambda: FIXED_NOW)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.screen.data is not None and app.screen.data.rows

            servers.stop_redis(folder)
            await pilot.press("ctrl+r")
            await settle(pilot)
            message = _static_text(app, "#jobs-load #load-message")
            assert "Redis did not answer" in message
            assert "ctrl+r" in message

            await pilot.press("s")
            await _type(pilot, trainee.name.split()[-1])
            await pilot.pause(0.4)
            await settle(pilot)
            assert [row.trainee_id for row in app.screen.rows] == [trainee.trainee_id]

            await pilot.press("enter", "enter")
            await settle(pilot)
            assert app.screen.data.record.id == trainee.trainee_id
            assert "Redis did not answer" in _static_text(
                app, "#tjobs-load #load-message"
            )
            # DQT (nothing listens on port 1) fails in its own pane with a retry key.
            assert "press g" in _static_text(app, "#compare-load #load-message").lower()
    finally:
        connections.close()
        client.close()
        servers.stop_redis(folder)


async def test_postgresql_going_down_mid_session(
    redis_client: Any, redis_url: str, tmp_path: Path, data_dir: Path
) -> None:
    """A PostgreSQL started for this test is stopped while the app runs: the failed
    jobs (Redis) are still listed, unnamed, with PostgreSQL's failure and the retry
    key above them; search says PostgreSQL did not answer; once PostgreSQL is back,
    ctrl+r names the trainees again."""
    from sandbox import servers
    from sandbox.demo import seed_demo
    from services.db import make_engine
    from services.register import schema
    from tests.tui.conftest import FIXED_NOW, connections_for
    from tui.app import TriageApp

    folder = tmp_path / "pg"
    folder.mkdir()
    database_url = servers.start_postgres(folder)
    engine = make_engine(database_url)
    schema.create_schema(engine)
    seed_demo(engine, redis_client, today=FIXED_NOW.date())
    engine.dispose()
    trainee = _playbook("teacher_not_found_dob_mismatch")
    connections = connections_for(
        database_url, redis_url, "http://127.0.0.1:1", "key", data_dir=data_dir
    )
    app = TriageApp(connections, clock=lambda: FIXED_NOW)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            rows = app.screen.data.rows
            named = {row.trainee.trainee_id: row.trainee.name for row in rows}
            assert named[trainee.trainee_id] == trainee.name

            servers.stop_postgres(folder)
            await pilot.press("ctrl+r")
            await settle(pilot)
            message = " ".join(_static_text(app, "#jobs-load #load-message").split())
            assert "PostgreSQL did not answer" in message
            assert "the jobs are listed without their trainees" in message
            assert "ctrl+r" in message
            unnamed = app.screen.data.rows
            assert len(unnamed) == len(rows)
            assert f"(Trainee/{trainee.trainee_id}, not looked up)" in {
                row.trainee.name for row in unnamed
            }

            await pilot.press("s")
            await _type(pilot, trainee.name.split()[-1])
            await pilot.pause(0.4)
            await settle(pilot)
            assert "PostgreSQL did not answer" in _static_text(
                app, "#search-load #load-message"
            )

            servers.start_postgres(folder)
            app.action_go("jobs")
            await settle(pilot)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert not app.screen.query_one("#jobs-load").has_class("-failed")
            again = {
                row.trainee.trainee_id: row.trainee.name for row in app.screen.data.rows
            }
            assert again[trainee.trainee_id] == trainee.name
    finally:
        connections.close()
        servers.stop_postgres(folder)


async def test_dqt_down_leaves_register_side_shown(make_app: Any, demo: Any) -> None:
    trainee = _playbook("teacher_not_found_dob_mismatch")
    demo.simulator.stop()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        from tui.screens.trainee import TraineeScreen

        await settle(pilot)
        app.push_screen(TraineeScreen(trainee.trainee_id))
        await settle(pilot)
        record = _static_text(app, "#compare-record-text")
        assert trainee.name.split()[-1] in record
        message = _static_text(app, "#compare-load #load-message")
        assert message.startswith("DQT did not answer")
        assert "g to try again" in message
        # Said once: the headline says what is shown, not the failure again.
        headline = _static_text(app, "#compare-headline")
        assert "did not answer" not in headline
        assert "Register's record is shown beside" in headline


@pytest.mark.parametrize(
    "mode", ["jobs", "search", "pending_trns", "pending_awards", "journal"]
)
async def test_every_binding_is_named_and_in_the_palette(
    make_app: Any, mode: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.switch_mode(mode)
        await settle(pilot)
        screen = app.screen
        titles = {command.title for command in app.get_system_commands(screen)}
        for node in [screen, app]:
            for binding in node.BINDINGS:
                assert binding.id, binding
                assert binding.description and binding.tooltip, binding.id
                if app._check_action_state(binding.action, node) is False:
                    # One key with two actions (search's escape): the palette
                    # offers the one that applies now.
                    continue
                assert binding.description in titles, binding.id


async def test_terminal_loss_exits_cleanly(make_app: Any) -> None:
    import signal

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app._terminal_gone(signal.SIGHUP)
        await pilot.pause()
    assert app.return_code == 0


async def test_export_from_the_failed_jobs_list(make_app: Any, data_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        notices = [notice.message for notice in app._notifications]
    written = sorted((data_dir / "exports").glob("failed-jobs-*.csv"))
    assert len(written) == 1
    assert any(str(written[0]) in message for message in notices)
    header = written[0].read_text().splitlines()[0]
    assert "slug" in header and "itt_end_date" in header


async def test_pending_award_checked_in_dqt_on_demand(make_app: Any) -> None:
    """The award case's trainee waits in 'recommended for award' with a dead job;
    `c` asks DQT, which holds the QTS date, and the detail pane says so."""
    trainee = _playbook("no_incomplete_itt_award")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        ids = [row.trainee.id for row in screen.rows]
        index = ids.index(trainee.trainee_id)
        assert screen.rows[index].activity.status == "dead"
        screen.query_one("#monitor", DataTable).move_cursor(row=index)
        await pilot.press("c")
        await settle(pilot)
        check = screen.checks[trainee.trainee_id]
        assert check.outcome == "awarded"
        assert check.qts_date is not None
        assert check.message in _static_text(app, "#monitor-detail-text")


async def test_a_long_dead_set_shows_a_bounded_table_and_full_counts(
    make_app: Any, demo: Any
) -> None:
    from sandbox.bulk import seed_bulk_failed_jobs
    from tui.screens.failed_jobs import MAX_ROWS

    added = seed_bulk_failed_jobs(demo.redis, 600)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        total = len(screen.data.rows)
        assert total >= 600 + 29
        assert screen.data.cases[0].count == total  # the counts cover every job
        table = screen.query_one("#jobs", DataTable)
        assert table.row_count == MAX_ROWS
        assert f"first {MAX_ROWS} of {total:,}" in _static_text(app, "#jobs-count")
    assert added == 600


async def test_timed_out_polling_restarted_from_pending_trns(
    make_app: Any, demo: Any, data_dir: Path
) -> None:
    """The RetrieveTrnJob timed out: from Pending TRNs, restart polling with the
    default timeout; a new RetrieveTrnJob for the trainee's TRN request is queued."""
    from services.sidekiq.jobs import parse_member

    trainee = _playbook("retrieve_trn_timeout")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        index = [row.trainee.id for row in screen.rows].index(trainee.trainee_id)
        assert screen.rows[index].timed_out
        screen.query_one("#monitor", DataTable).move_cursor(row=index)
        await pilot.press("f")
        await settle(pilot)
        options = app.screen.query_one("#choose-list")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index("restart_trn_polling")
        await pilot.press("enter")  # chosen
        await settle(pilot)
        await pilot.press("enter")  # timeout left empty: today + 4 days
        await settle(pilot)
        await _type(pilot, "polling timed out, DQT has the TRN")
        await pilot.press("enter", "y")
        await settle(pilot)

    queued = [
        parse_member(key.decode(), item, None)
        for key in demo.redis.keys("queue:*")
        for item in demo.redis.lrange(key, 0, -1)
    ]
    with demo.engine.connect() as conn:
        request_id = conn.execute(
            sa.text("SELECT id FROM dqt_trn_requests WHERE trainee_id = :id"),
            {"id": trainee.trainee_id},
        ).scalar_one()
    polls = [job for job in queued if job.job_class == "Dqt::RetrieveTrnJob"]
    assert [str(job.target) for job in polls] == [f"Dqt::TrnRequest/{request_id}"]
    journal = [json.loads(line) for line in (data_dir / "journal.jsonl").open()]
    assert journal[-1]["action"] == "fix:restart_trn_polling"
    assert journal[-1]["outcome"] == "applied"


async def test_no_color_is_respected(make_app: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.no_color
        assert app.animation_level == "none"


async def test_parameters_with_defaults_can_be_changed_from_the_confirmation(
    make_app: Any,
) -> None:
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.fix_params import FixParamsScreen

    trainee = _playbook("dqt_500_on_update")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _filter_jobs_by_last_name(pilot, trainee, "r")
        assert isinstance(app.screen, ConfirmScreen)
        jid = app.screen_stack[-2].current_row().job.jid
        await pilot.press("ctrl+e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FixParamsScreen)
        values = {name: default for name, _help, default, _req in form.params}
        assert values["jid"] == jid
        assert values["force"] == "no"


async def test_a_discarded_trainees_job_offers_delete_only(
    make_app: Any, demo: Any
) -> None:
    """Retrying a deleted trainee's job fails again: the list says so and the
    fixes on offer are the delete alone."""
    from textual.widgets import OptionList

    trainee = _playbook("discarded_trainee_job")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _filter_jobs_by_last_name(pilot, trainee)
        assert [row.trainee.trainee_id for row in app.screen.shown] == [
            trainee.trainee_id
        ]
        detail = " ".join(_static_text(app, "#job-detail-text").split())
        assert "delete job (the trainee is deleted in Register" in detail

        await pilot.press("f")
        await settle(pilot)
        offered = app.screen.query_one(OptionList)
        titles = [
            str(offered.get_option_at_index(i).prompt).splitlines()[0]
            for i in range(offered.option_count)
        ]
        assert titles == ["Delete a failed job"]
