"""Each demo trainee's job failure follows from its Register row and DQT's record.

The DQT simulator's rules are applied to what Register would send for the
trainee (TRN, date of birth, slug, provider UKPRN, degree institution UKPRN),
and must give the failure that trainee's job shows — or succeed where the
failure was transient or DQT has since moved on. No HTTP is needed: the rules are
plain functions over the state. The day is the real today because DQT refuses
assessment dates in the future.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

import pytest

from dqt.simulator import rules, trn_requests, update_rules
from dqt.simulator.problems import ApiProblem
from dqt.simulator.state import SimulatorState
from sandbox import demo_people as people
from sandbox.demo import PLAYBOOK_TRAINEES, demo_simulator_state
from sandbox.demo_cases import CAPTURED_FAILURES, demo_trainees
from sandbox.demo_dqt import DQT_CLIENT
from sandbox.demo_reference import PROVIDERS, institutions
from sandbox.demo_register import RegisterRows, trainee_rows
from sandbox.demo_sidekiq import captured_error_messages
from services.register.enums import TraineeState, dqt_programme_type

TODAY = date.today()


@cache
def _rows() -> RegisterRows:
    return trainee_rows(demo_trainees(), TODAY)


@cache
def _built_state() -> SimulatorState:
    return demo_simulator_state(TODAY)


def _state() -> SimulatorState:
    # A fresh copy each time: the rules write to the state on success.
    return _built_state().model_copy(deep=True)


def _trainee(trainee_id: int) -> dict[str, Any]:
    return next(row for row in _rows().trainees if row["id"] == trainee_id)


def _degree(trainee_id: int) -> dict[str, Any] | None:
    return next((d for d in _rows().degrees if d["trainee_id"] == trainee_id), None)


def _request(trainee_id: int) -> dict[str, Any]:
    return next(r for r in _rows().dqt_trn_requests if r["trainee_id"] == trainee_id)


def _ukprn(trainee: dict[str, Any]) -> str:
    return next(p.ukprn for p in PROVIDERS if p.id == trainee["provider_id"])


def _degree_ukprn(trainee_id: int) -> str | None:
    degree = _degree(trainee_id)
    if degree is None:
        return None
    entry = next(i for i in institutions() if i["id"] == degree["institution_uuid"])
    return entry.get("ukprn")


def _itt(trainee: dict[str, Any]) -> dict[str, Any]:
    programme_type = dqt_programme_type(trainee["training_route"])
    return {
        "providerUkprn": _ukprn(trainee),
        "programmeStartDate": trainee["itt_start_date"].isoformat(),
        "programmeEndDate": trainee["itt_end_date"].isoformat(),
        "programmeType": programme_type,
        "ageRangeFrom": trainee["course_min_age"],
        "ageRangeTo": trainee["course_max_age"],
    }


def _update(trainee_id: int, state: SimulatorState | None = None) -> None:
    trainee = _trainee(trainee_id)
    itt = _itt(trainee)
    aor = itt["programmeType"] == "AssessmentOnlyRoute"
    itt["outcome"] = "UnderAssessment" if aor else "InTraining"
    body: dict[str, Any] = {"initialTeacherTraining": itt}
    if _degree_ukprn(trainee_id):
        body["qualification"] = {"providerUkprn": _degree_ukprn(trainee_id)}
    update_rules.update_teacher(
        state or _state(),
        trainee["trn"],
        trainee["date_of_birth"].isoformat(),
        trainee["slug"],
        body,
    )


def _outcome(
    trainee_id: int, outcome: str, state: SimulatorState | None = None
) -> dict[str, Any]:
    trainee = _trainee(trainee_id)
    body: dict[str, Any] = {"ittProviderUkprn": _ukprn(trainee), "outcome": outcome}
    if outcome == "Pass":
        body["assessmentDate"] = trainee["outcome_date"].isoformat()
    return rules.set_itt_outcome(
        state or _state(),
        trainee["trn"],
        trainee["date_of_birth"].isoformat(),
        trainee["slug"],
        body,
    )


def _problem(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(ApiProblem) as raised:
        call(*args)
    body = raised.value.body
    assert body is not None
    return body


def _poll(trainee_id: int) -> dict[str, Any]:
    request_id = str(_request(trainee_id)["request_id"])
    return trn_requests.get_trn_request(_state(), DQT_CLIENT, request_id)


@pytest.mark.parametrize("trainee_id", [1, 21, 2, 17, 32, 18, 38])
def test_teacher_not_found_10001(trainee_id: int) -> None:
    job = CAPTURED_FAILURES[trainee_id][1]
    if job == "Dqt::UpdateTraineeJob":
        body = _problem(_update, trainee_id)
    else:
        outcome = "Pass" if job == "Dqt::RecommendForAwardJob" else "Withdrawn"
        body = _problem(_outcome, trainee_id, outcome)
    assert body["errorCode"] == 10001


def test_dob_mismatch_trainee_has_a_different_date_on_dqt() -> None:
    case = PLAYBOOK_TRAINEES["teacher_not_found_dob_mismatch"]
    trainee = _trainee(case.trainee_id)
    teacher = next(t for t in _state().teachers if t.trn == trainee["trn"])
    assert teacher.active
    assert teacher.date_of_birth != trainee["date_of_birth"]
    assert teacher.date_of_birth == people.swapped_day_and_month(
        trainee["date_of_birth"]
    )


def test_inactive_trn_trainee_is_inactive_on_dqt() -> None:
    case = PLAYBOOK_TRAINEES["teacher_not_found_inactive_trn"]
    trainee = _trainee(case.trainee_id)
    teacher = next(t for t in _state().teachers if t.trn == trainee["trn"])
    assert not teacher.active
    assert teacher.date_of_birth == trainee["date_of_birth"]


@pytest.mark.parametrize("trainee_id", [3, 23, 41])
def test_no_qts_record_10006(trainee_id: int) -> None:
    assert _problem(_outcome, trainee_id, "Pass")["errorCode"] == 10006


def test_10006_trainee_is_awarded_on_register() -> None:
    trainee = _trainee(PLAYBOOK_TRAINEES["no_qts_record_10006"].trainee_id)
    assert trainee["state"] == TraineeState.awarded
    assert trainee["awarded_at"] is not None


@pytest.mark.parametrize("trainee_id", [7, 22, 37])
def test_withdraw_job_10005(trainee_id: int) -> None:
    assert _problem(_outcome, trainee_id, "Withdrawn")["errorCode"] == 10005


@pytest.mark.parametrize("trainee_id", [8, 28, 42])
def test_award_job_10005_dqt_already_shows_the_award(trainee_id: int) -> None:
    trainee = _trainee(trainee_id)
    assert trainee["state"] == TraineeState.recommended_for_award
    teacher = next(t for t in _state().teachers if t.trn == trainee["trn"])
    held = teacher.eyts_date or teacher.qts_date
    assert held == trainee["outcome_date"]
    # DQT matches Register, so sending the same award again changes nothing.
    answer = _outcome(trainee_id, "Pass")
    assert answer["qtsDate"] == trainee["outcome_date"].isoformat()


@pytest.mark.parametrize("trainee_id", [11, 31])
def test_organisation_not_found_on_update(trainee_id: int) -> None:
    body = _problem(_update, trainee_id)
    assert body["errors"] == {"qualification.providerUkprn": ["Organisation not found"]}
    ukprn = _degree_ukprn(trainee_id)
    assert ukprn  # the synthetic list knows the institution's UKPRN
    assert ukprn not in {org.ukprn for org in _state().organisations}


@pytest.mark.parametrize("trainee_id", [4, 19, 34])
def test_organisation_not_found_on_trn_request(trainee_id: int) -> None:
    trainee = _trainee(trainee_id)
    body = {
        "firstName": trainee["first_names"],
        "lastName": trainee["last_name"],
        "birthDate": trainee["date_of_birth"].isoformat(),
        "genderCode": "Female",
        "initialTeacherTraining": _itt(trainee),
        "qualification": {"providerUkprn": _degree_ukprn(trainee_id)},
        "slugId": trainee["slug"],
    }
    request_id = str(_request(trainee_id)["request_id"])
    problem = _problem(
        trn_requests.get_or_create_trn_request, _state(), DQT_CLIENT, request_id, body
    )
    assert problem["errors"] == {
        "qualification.providerUkprn": ["Organisation not found"]
    }
    assert (
        _request(trainee_id)["response"]["error"]
        == (captured_error_messages()[trainee_id])
    )


@pytest.mark.parametrize(
    "case", ["already_has_qts_race_identical", "already_has_qts_race_differs"]
)
def test_update_after_the_award_is_refused(case: str) -> None:
    trainee_id = PLAYBOOK_TRAINEES[case].trainee_id
    body = _problem(_update, trainee_id)
    assert body["errors"] == {
        "initialTeacherTraining.programmeType": ["Teacher already has QTS/EYTS date"]
    }
    trainee = _trainee(trainee_id)
    teacher = next(t for t in _state().teachers if t.trn == trainee["trn"])
    same_name = teacher.last_name == trainee["last_name"]
    assert same_name == (case == "already_has_qts_race_identical")
    assert teacher.first_name == trainee["first_names"]
    assert teacher.date_of_birth == trainee["date_of_birth"]


@pytest.mark.parametrize("trainee_id", [16, 36, 12, 13, 48])
def test_transient_failures_succeed_when_run_again(trainee_id: int) -> None:
    state = _state()
    job = next(
        (f[1] for t, f in CAPTURED_FAILURES.items() if t == trainee_id),
        "Dqt::UpdateTraineeJob",
    )
    if job == "Dqt::UpdateTraineeJob":
        _update(trainee_id, state)
    elif job == "Dqt::WithdrawTraineeJob":
        assert _outcome(trainee_id, "Withdrawn", state)["qtsDate"] is None
    else:
        trainee = _trainee(trainee_id)
        answer = _outcome(trainee_id, "Pass", state)
        assert answer["qtsDate"] == trainee["outcome_date"].isoformat()


def test_update_then_award_both_succeed_in_that_order() -> None:
    trainee_id = PLAYBOOK_TRAINEES["update_and_award_failed"].trainee_id
    state = _state()
    _update(trainee_id, state)
    answer = _outcome(trainee_id, "Pass", state)
    assert answer["qtsDate"] == _trainee(trainee_id)["outcome_date"].isoformat()
    # And the other order is the race: after the award the update is refused.
    body = _problem(_update, trainee_id, state)
    assert "initialTeacherTraining.programmeType" in body["errors"]


@pytest.mark.parametrize("trainee_id", [5, 35, 26, 15, 30, 50])
def test_polling_again_would_get_the_trn(trainee_id: int) -> None:
    answer = _poll(trainee_id)
    assert answer["status"] == "Completed"
    assert answer["trn"] == people.trainee_trn(trainee_id)
    assert _trainee(trainee_id)["trn"] is None
    assert _trainee(trainee_id)["state"] == TraineeState.submitted_for_trn


def test_timed_out_poll_is_older_than_four_days() -> None:
    case = PLAYBOOK_TRAINEES["retrieve_trn_timeout"]
    request = _request(case.trainee_id)
    assert (TODAY - request["created_at"].date()).days >= 5
    assert request["state"] == 0


@pytest.mark.parametrize("trainee_id", [20, 51])
def test_pending_trn_requests(trainee_id: int) -> None:
    answer = _poll(trainee_id)
    assert answer["status"] == "Pending"
    assert answer["potentialDuplicate"] is True


@pytest.mark.parametrize("trainee_id", [10, 25, 40, 6])
def test_requests_dqt_never_saw(trainee_id: int) -> None:
    body = _problem(_poll, trainee_id)
    assert body["status"] == 404


def test_missing_trn_not_on_dqt_at_all() -> None:
    trainee = _trainee(PLAYBOOK_TRAINEES["update_missing_trn_not_on_dqt"].trainee_id)
    assert trainee["trn"] is None
    lookalikes = [
        t
        for t in _state().teachers
        if t.last_name == trainee["last_name"]
        and t.date_of_birth == trainee["date_of_birth"]
    ]
    assert lookalikes == []
    assert "error" in _request(trainee["id"])["response"]


def test_error_texts_name_the_trainee_they_belong_to() -> None:
    for trainee_id, message in captured_error_messages().items():
        if "(id: " in message or "Trainee id: " in message:
            assert str(trainee_id) in message
    assert json.dumps(captured_error_messages())  # all plain text


def test_change_route_and_discarded_trainees() -> None:
    route_case = _trainee(PLAYBOOK_TRAINEES["change_route"].trainee_id)
    assert route_case["training_route"] == 1  # provider_led_postgrad
    assert route_case["employing_school_id"] is not None
    discarded = _trainee(PLAYBOOK_TRAINEES["discarded_trainee_job"].trainee_id)
    assert discarded["discarded_at"] is not None


async def test_the_demo_state_served_over_http(make_simulator: Any) -> None:
    """The same answers through the simulator and the product's DQT client."""
    from dqt.client import DqtClient
    from dqt.errors import DqtApiError
    from dqt.simulator.state import ApiKey

    state = _state()
    state.api_keys.append(ApiKey(key="demo-test-key", client=DQT_CLIENT))
    simulator = make_simulator(state)

    mismatch = _trainee(PLAYBOOK_TRAINEES["teacher_not_found_dob_mismatch"].trainee_id)
    withdraw = _trainee(PLAYBOOK_TRAINEES["no_incomplete_itt_withdraw"].trainee_id)
    timed_out = PLAYBOOK_TRAINEES["retrieve_trn_timeout"].trainee_id

    async with DqtClient(simulator.url, "demo-test-key") as client:
        teacher = await client.get_teacher(mismatch["trn"], mismatch["date_of_birth"])
        polled = await client.get_trn_request(str(_request(timed_out)["request_id"]))
        with pytest.raises(DqtApiError) as refused:
            await client.set_itt_outcome(
                withdraw["trn"],
                withdraw["date_of_birth"],
                withdraw["slug"],
                {"ittProviderUkprn": _ukprn(withdraw), "outcome": "Withdrawn"},
            )

    assert teacher.date_of_birth != mismatch["date_of_birth"]
    assert polled.trn == people.trainee_trn(timed_out)
    assert refused.value.error_code == 10005
