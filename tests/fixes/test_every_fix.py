"""Rules every writing fix follows: read-only refusal, two operators, Redis down.

Each case sets up one trainee (and job, and DQT teacher where the fix needs
them) so that the fix's preview can be applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from services import fixes
from tests.fixes.dqt_state import API_KEY, MATCHING_TRAINEE, state, teacher
from tests.fixes.helpers import (
    NO_INCOMPLETE_ITT,
    add_audit,
    add_failed_job,
    add_trainee,
    add_trn_request,
    audit_rows,
    closed_redis,
    journal_entries,
    trainee_gid,
    trainee_row,
)

TRAINEE = 500


@dataclass(frozen=True)
class Case:
    fix: str
    params: dict[str, str]
    setup: Callable[[Any, Any], None]
    teacher: Any = None


def _withdrawn(engine: Any, redis_client: Any) -> None:
    add_trainee(engine, TRAINEE, state=4, withdraw_date=datetime(2023, 5, 2))
    add_audit(engine, TRAINEE, version=1, audited_changes={"state": [2, 4]})


def _awarded(engine: Any, redis_client: Any) -> None:
    add_trainee(engine, TRAINEE, state=6, awarded_at=datetime(2023, 6, 5))


def _plain(engine: Any, redis_client: Any) -> None:
    add_trainee(engine, TRAINEE)


def _waiting_for_trn(engine: Any, redis_client: Any) -> None:
    add_trainee(engine, TRAINEE, state=1, trn=None)
    add_trn_request(engine, TRAINEE, 5500)


def _with_failed_job(engine: Any, redis_client: Any) -> None:
    add_trainee(engine, TRAINEE)
    add_failed_job(
        redis_client, "Dqt::UpdateTraineeJob", [trainee_gid(TRAINEE)], jid="9" * 24
    )


def _recommended(engine: Any, redis_client: Any) -> None:
    add_trainee(engine, TRAINEE, **{**MATCHING_TRAINEE, "state": 3})
    add_failed_job(
        redis_client,
        "Dqt::RecommendForAwardJob",
        [trainee_gid(TRAINEE)],
        jid="8" * 24,
        error_message=NO_INCOMPLETE_ITT,
    )


def _award_job_lost(engine: Any, redis_client: Any) -> None:
    add_trainee(engine, TRAINEE, **{**MATCHING_TRAINEE, "state": 3})


def _dob_mismatch(engine: Any, redis_client: Any) -> None:
    add_trainee(
        engine, TRAINEE, **{**MATCHING_TRAINEE, "date_of_birth": date(1994, 7, 3)}
    )


CASES = [
    Case("edit_field", {"field": "email", "value": "new@example.org"}, _plain),
    Case("change_route", {"route": "assessment_only"}, _plain),
    Case("unwithdraw", {"enqueue_update": "no"}, _withdrawn),
    Case("reverse_award", {}, _awarded),
    Case("restart_trn_polling", {}, _waiting_for_trn),
    Case("reregister_for_trn", {}, _waiting_for_trn),
    Case("retry", {"jid": "9" * 24}, _with_failed_job),
    Case("delete_job", {"jid": "9" * 24}, _with_failed_job),
    Case(
        "award_on_register",
        {},
        _recommended,
        teacher(qts_date=date(2023, 6, 5), result="Pass"),
    ),
    Case("align_date_of_birth", {"right": "dqt"}, _dob_mismatch, teacher()),
    Case("requeue_award", {}, _award_job_lost, teacher()),
]


@pytest.fixture
def case_ctx(engine, redis_client, make_ctx, make_simulator):
    def build(case: Case, **overrides: Any):
        case.setup(engine, redis_client)
        if case.teacher is not None:
            simulator = make_simulator(state(case.teacher))
            overrides.setdefault("dqt_base_url", simulator.url)
            overrides.setdefault("dqt_api_key", API_KEY)
        return make_ctx(**overrides)

    return build


def _sidekiq(redis_client: Any) -> dict[str, Any]:
    return {
        "dead": redis_client.zrange("dead", 0, -1),
        "queue": redis_client.lrange("queue:dqt", 0, -1),
    }


@pytest.mark.parametrize("case", CASES, ids=[case.fix for case in CASES])
def test_read_only_mode_refuses_every_fix(
    case, engine, provider, redis_client, case_ctx
):
    ctx = case_ctx(case, writes_enabled=False)
    preview = fixes.preview(ctx, case.fix, str(TRAINEE), case.params)
    assert preview.blocked is None, preview.blocked
    row_before, jobs_before = trainee_row(engine, TRAINEE), _sidekiq(redis_client)

    outcome = fixes.apply(ctx, preview, "Zendesk 100")

    assert outcome.status == "refused"
    assert "writes are disabled" in outcome.summary
    assert trainee_row(engine, TRAINEE) == row_before
    assert _sidekiq(redis_client) == jobs_before
    assert journal_entries(ctx)[-1].outcome == "refused"


@pytest.mark.parametrize("case", CASES, ids=[case.fix for case in CASES])
def test_a_change_by_another_operator_after_the_preview_refuses_every_fix(
    case, engine, provider, redis_client, case_ctx, make_ctx
):
    ctx = case_ctx(case)
    preview = fixes.preview(ctx, case.fix, str(TRAINEE), case.params)
    assert preview.blocked is None, preview.blocked

    other = make_ctx(operator="Tom Reyes")
    rename = fixes.preview(
        other, "edit_field", str(TRAINEE), {"field": "last_name", "value": "Hale"}
    )
    assert fixes.apply(other, rename, "trainee married").status == "applied"
    jobs_before, audits_before = _sidekiq(redis_client), audit_rows(engine, TRAINEE)

    outcome = fixes.apply(ctx, preview, "Zendesk 101")

    assert outcome.status == "refused"
    assert "last_name changed from Fenwick to Hale since the preview" in outcome.summary
    assert audit_rows(engine, TRAINEE) == audits_before
    assert _sidekiq(redis_client) == jobs_before


DB_THEN_REDIS = [
    Case(
        "edit_field",
        {"field": "email", "value": "new@example.org", "enqueue_update": "yes"},
        _plain,
    ),
    Case("change_route", {"route": "assessment_only", "enqueue_update": "yes"}, _plain),
    Case("unwithdraw", {"enqueue_update": "yes"}, _withdrawn),
    Case("reverse_award", {"enqueue_update": "yes"}, _awarded),
]


@pytest.mark.parametrize(
    "case", DB_THEN_REDIS, ids=[case.fix for case in DB_THEN_REDIS]
)
def test_redis_down_after_the_commit_is_an_honest_partial(
    case, engine, provider, case_ctx
):
    ctx = case_ctx(case, redis=closed_redis())
    preview = fixes.preview(ctx, case.fix, str(TRAINEE), case.params)

    outcome = fixes.apply(ctx, preview, "Zendesk 102")

    assert outcome.status == "partial"
    row = trainee_row(engine, TRAINEE)
    for change in preview.db_changes:
        assert row[change.column] == change.new, change.column
    (audit,) = [a for a in audit_rows(engine, TRAINEE) if a["comment"] == "Zendesk 102"]
    assert audit["request_uuid"] == outcome.request_uuid
    assert outcome.left_to_do == (
        f"enqueue Dqt::UpdateTraineeJob for trainee {TRAINEE}: run `triage jobs "
        f"enqueue update-trainee slug{TRAINEE:020d} --reason TEXT`",
    )
    entry = journal_entries(ctx)[-1]
    assert (entry.outcome, entry.detail["left_to_do"]) == (
        "partial",
        list(outcome.left_to_do),
    )
