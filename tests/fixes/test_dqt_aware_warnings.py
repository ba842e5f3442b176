"""Reverse award and unwithdraw word their DQT warnings from what DQT shows."""

from __future__ import annotations

from datetime import date, datetime

from services import fixes
from tests.fixes.dqt_state import MATCHING_TRAINEE, teacher
from tests.fixes.helpers import add_audit, add_trainee


def _awarded(engine, trainee_id):
    add_trainee(
        engine,
        trainee_id,
        **{
            **MATCHING_TRAINEE,
            "state": 6,
            "recommended_for_award_at": datetime(2023, 6, 5, 10),
            "awarded_at": datetime(2023, 6, 5),
        },
    )


def test_reverse_award_asks_dqt_to_remove_only_an_award_it_shows(
    engine, provider, dqt_ctx
):
    _awarded(engine, 65)

    without = fixes.preview(dqt_ctx(teacher()), "reverse_award", "65")
    assert without.warnings[0] == "DQT shows no QTS award: nothing to remove on DQT"
    assert not any("remove it first" in w for w in without.warnings)
    assert any(call.startswith("GET /v2/teachers/") for call in without.dqt_calls)

    shown = fixes.preview(
        dqt_ctx(teacher(qts_date=date(2023, 6, 5), result="Pass")),
        "reverse_award",
        "65",
        {"enqueue_update": "yes"},
    )
    assert shown.warnings[0] == (
        "DQT shows QTS on 2023-06-05: this changes Register only; ask the DQT "
        "team to remove the award first"
    )
    assert any("Teacher already has QTS/EYTS date" in w for w in shown.warnings)


def _withdrawn(engine, trainee_id, previous_state):
    add_trainee(
        engine,
        trainee_id,
        **{**MATCHING_TRAINEE, "state": 4, "withdraw_date": datetime(2023, 5, 2)},
    )
    add_audit(
        engine, trainee_id, version=2, audited_changes={"state": [previous_state, 4]}
    )


def test_unwithdraw_says_the_update_job_asks_dqt_to_unwithdraw(
    engine, provider, dqt_ctx
):
    _withdrawn(engine, 66, 2)
    ctx = dqt_ctx(teacher(result="Withdrawn"))

    preview = fixes.preview(ctx, "unwithdraw", "66")

    assert any(
        w.startswith("DQT shows the ITT result Withdrawn: the update job")
        and "(10026)" in w
        and "(10024)" in w
        for w in preview.warnings
    )
    assert not any("if DQT already recorded" in w for w in preview.warnings)


def test_unwithdraw_to_deferred_warns_dqt_will_refuse(engine, provider, dqt_ctx):
    _withdrawn(engine, 67, 5)
    preview = fixes.preview(dqt_ctx(teacher(result="Withdrawn")), "unwithdraw", "67")
    assert (
        "the state restored is deferred: DQT will refuse the un-withdrawal "
        "(10026); ask the DQT team to reverse the withdrawal"
    ) in preview.warnings


def test_unwithdraw_when_dqt_shows_no_withdrawal(engine, provider, dqt_ctx):
    _withdrawn(engine, 68, 2)
    preview = fixes.preview(dqt_ctx(teacher()), "unwithdraw", "68")
    assert (
        "DQT shows the ITT result InTraining: DQT has no withdrawal to undo"
    ) in preview.warnings
