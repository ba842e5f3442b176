"""Date of birth mismatch: both values shown, Register fixed or DQT asked."""

from __future__ import annotations

import json
from datetime import date

from services import fixes
from tests.fixes.dqt_state import API_KEY, MATCHING_TRAINEE, state, teacher
from tests.fixes.helpers import (
    add_failed_job,
    add_trainee,
    audit_rows,
    journal_entries,
    trainee_gid,
    trainee_row,
)

NOT_FOUND = (
    'status: 404, body: {"title":"Teacher with specified TRN not found",'
    '"status":404,"errorCode":10001}, headers: {}'
)


def _mismatch(engine, redis_client, make_ctx, make_simulator):
    add_trainee(engine, 101, **{**MATCHING_TRAINEE, "date_of_birth": date(1994, 7, 3)})
    add_failed_job(
        redis_client,
        "Dqt::UpdateTraineeJob",
        [trainee_gid(101)],
        jid="e" * 24,
        error_message=NOT_FOUND,
    )
    simulator = make_simulator(state(teacher()))
    return make_ctx(dqt_base_url=simulator.url, dqt_api_key=API_KEY)


def test_dqt_right_corrects_register_and_retries_the_job(
    engine, provider, redis_client, make_ctx, make_simulator
):
    ctx = _mismatch(engine, redis_client, make_ctx, make_simulator)

    preview = fixes.preview(
        ctx, "align_date_of_birth", "101", {"right": "dqt", "jid": "e" * 24}
    )
    outcome = fixes.apply(ctx, preview, "trainee confirmed DQT's date")

    assert preview.warnings[0] == (
        "date of birth: Register has 1994-07-03, DQT has 1994-03-07"
    )
    assert outcome.status == "applied", outcome.summary
    assert trainee_row(engine, 101)["date_of_birth"] == date(1994, 3, 7)
    assert audit_rows(engine, 101)[-1]["audited_changes"] == {
        "date_of_birth": ["1994-07-03", "1994-03-07"]
    }
    queued = [
        json.loads(item)["jid"] for item in redis_client.lrange("queue:dqt", 0, -1)
    ]
    assert queued == ["e" * 24]
    assert "1994" not in ctx.journal.path.read_text()


def test_register_right_writes_the_message_for_dqt_and_changes_nothing(
    engine, provider, redis_client, make_ctx, make_simulator
):
    ctx = _mismatch(engine, redis_client, make_ctx, make_simulator)

    preview = fixes.preview(ctx, "align_date_of_birth", "101", {"right": "register"})

    assert preview.read_only and preview.db_changes == ()
    assert "03 July 1994 (1994-07-03)" in preview.message
    assert "TRN 2345670" in preview.message
    assert fixes.apply(ctx, preview, "sent to DQT").status == "previewed"
    assert trainee_row(engine, 101)["date_of_birth"] == date(1994, 7, 3)
    assert [e.outcome for e in journal_entries(ctx)] == ["previewed", "previewed"]
    assert "1994" not in ctx.journal.path.read_text()


def test_same_dates_have_nothing_to_align(engine, provider, dqt_ctx):
    add_trainee(engine, 102, **MATCHING_TRAINEE)
    ctx = dqt_ctx(teacher())

    preview = fixes.preview(ctx, "align_date_of_birth", "102", {"right": "dqt"})

    assert preview.blocked == (
        "Register and DQT hold the same date of birth: nothing to align"
    )
    # No "differs" warning for two equal dates.
    assert not any(w.startswith("date of birth:") for w in preview.warnings)


def test_without_dqt_the_operator_gives_dqts_value(engine, provider, ctx):
    add_trainee(engine, 103, **{**MATCHING_TRAINEE, "date_of_birth": date(1994, 7, 3)})

    unknown = fixes.preview(ctx, "align_date_of_birth", "103", {"right": "dqt"})
    given = fixes.preview(
        ctx,
        "align_date_of_birth",
        "103",
        {"right": "dqt", "dqt_date_of_birth": "1994-03-07"},
    )

    assert unknown.blocked is not None
    assert "give it as dqt_date_of_birth" in unknown.blocked
    assert [(c.old, c.new) for c in given.db_changes] == [
        (date(1994, 7, 3), date(1994, 3, 7))
    ]


def test_register_right_with_dqt_unreadable_still_writes_the_message(
    engine, provider, dqt_ctx
):
    # DQT has no active teacher with this TRN (inactive or merged).
    add_trainee(engine, 104, **{**MATCHING_TRAINEE, "trn": "2000026"})
    ctx = dqt_ctx(teacher())

    preview = fixes.preview(ctx, "align_date_of_birth", "104", {"right": "register"})

    assert preview.blocked is None
    assert preview.read_only
    assert preview.warnings[0].startswith(
        "DQT's date of birth could not be read: DQT has no active teacher with "
        "TRN 2000026"
    )
    assert preview.message is not None
    assert "We could not read the date of birth DQT holds: DQT has no active " in (
        preview.message
    )
    assert "07 March 1994 (1994-03-07)" in preview.message
    assert "TRN 2000026" in preview.message


def test_the_dqt_message_names_every_kind_of_job_the_mismatch_fails() -> None:
    """A withdraw or award job fails on the mismatch as an update does; the
    message must not send DQT looking for update requests only."""
    import datetime as dt

    from services.fixes.align_date_of_birth import dqt_team_message

    message = dqt_team_message("rafe-slug", "2000040", dt.date(1990, 4, 2))
    assert message.startswith("Hello DQT team,\n")
    assert (
        "Our jobs for trainee rafe-slug (TRN 2000040) (update, withdraw, award) "
        "fail with 404 10001 because DQT and Register hold different dates of birth."
    ) in message
    assert "02 April 1990 (1990-04-02)" in message
