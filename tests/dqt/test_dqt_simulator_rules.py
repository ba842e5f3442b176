"""The client against the simulator over loopback HTTP: every error code from its rule.

Bodies are compared whole, with the members and values of the real API's answers
(the playbook's and the captured jobs' bodies), and every answer is checked against
the published OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from dqt_world import BORN, END, PROVIDER, START, UNIVERSITY

from dqt.client import DqtClient
from dqt.errors import DqtApiError, parse_job_error
from dqt.models import SetIttOutcomeRequest, UpdateTeacherRequest
from tests.sidekiq.sidekiq_cases import capture

VALIDATION_TYPE = "https://tools.ietf.org/html/rfc7231#section-6.5.1"
ITT_OUTCOME = "/v2/teachers/{trn}/itt-outcome"
UPDATE = "/v2/teachers/update/{trn}"


def coded_body(code: int, title: str, status: int = 400) -> dict[str, Any]:
    return {"title": title, "status": status, "errorCode": code}


def validation_body(key: str, message: str) -> dict[str, Any]:
    return {
        "type": VALIDATION_TYPE,
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {key: [message]},
    }


def captured_bodies() -> list[dict[str, Any]]:
    bodies = []
    for entry in capture("captured-app-options", "dead"):
        parsed = parse_job_error(
            None, json.loads(entry["payload_string"])["error_message"]
        )
        if parsed.body_kind == "json":
            bodies.append(json.loads(parsed.body))
    return bodies


def award(date: dt.date = dt.date(2024, 7, 1), ukprn: str = PROVIDER) -> dict:
    return {"ittProviderUkprn": ukprn, "outcome": "Pass", "assessmentDate": str(date)}


def update_body(**itt: Any) -> dict[str, Any]:
    block = {
        "providerUkprn": PROVIDER,
        "programmeStartDate": str(START),
        "programmeEndDate": str(END),
        "programmeType": "HEI",
        "subject1": "100425",
        "ageRangeFrom": 11,
        "ageRangeTo": 16,
    }
    block.update(itt)
    return {"trn": "ignored", "husid": None, "initialTeacherTraining": block,
            "qualification": None}  # fmt: skip


async def put_outcome(
    raw: httpx.AsyncClient, openapi: Any, trn: str, body: dict, born: dt.date = BORN
) -> httpx.Response:
    response = await raw.put(
        f"/v2/teachers/{trn}/itt-outcome", params={"birthDate": str(born)}, json=body
    )
    openapi("put", ITT_OUTCOME, response)
    return response


async def patch_update(
    raw: httpx.AsyncClient, openapi: Any, trn: str, body: dict, **query: str
) -> httpx.Response:
    params = {"birthDate": str(BORN), **query}
    response = await raw.patch(f"/v2/teachers/update/{trn}", params=params, json=body)
    openapi("patch", UPDATE, response)
    return response


# --- the playbook's bodies, byte for byte in members and values ---------------------


NOT_FOUND = coded_body(10001, "Teacher with specified TRN not found", 404)
SEVERAL = coded_body(10002, "Multiple teachers found", 409)
HAS_QTS = "Teacher already has QTS/EYTS date"
SEVERAL_ITT = "Teacher has multiple incomplete ITT records"
NO_ITT = "Teacher has no incomplete ITT record"
NO_QTS = "Teacher has no QTS record"
SEVERAL_QTS = "Teacher has multiple QTS records"
OTHER_BIRTH_DATE = dt.date(1991, 1, 1)


@pytest.mark.parametrize(
    ("trn", "born", "body", "expected"),
    [
        ("1000002", BORN, award(), NOT_FOUND),
        ("1000001", OTHER_BIRTH_DATE, award(), NOT_FOUND),
        ("1000003", BORN, award(), SEVERAL),
        ("1000008", BORN, award(), coded_body(10003, HAS_QTS)),
        ("1000004", BORN, award(), coded_body(10004, SEVERAL_ITT)),
        ("1000005", BORN, award(), coded_body(10005, NO_ITT)),
        ("1000001", BORN, award(ukprn="10000002"), coded_body(10005, NO_ITT)),
        ("1000006", BORN, award(), coded_body(10006, NO_QTS)),
        ("1000007", BORN, award(), coded_body(10007, SEVERAL_QTS)),
    ],
    ids=["10001-inactive", "10001-dob", "10002", "10003", "10004", "10005-withdrawn",
         "10005-closed-provider", "10006", "10007"],
)  # fmt: skip
async def test_itt_outcome_errors(
    raw: httpx.AsyncClient,
    openapi: Any,
    trn: str,
    born: dt.date,
    body: dict,
    expected: dict,
) -> None:
    response = await put_outcome(raw, openapi, trn, body, born)

    assert response.status_code == expected["status"]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == expected


async def test_playbook_texts_come_out_exactly(
    raw: httpx.AsyncClient, openapi: Any
) -> None:
    not_found = await put_outcome(raw, openapi, "1000002", award())
    no_qts = await put_outcome(raw, openapi, "1000006", award())
    no_itt = await put_outcome(raw, openapi, "1000005", award())

    assert not_found.text == (
        '{"title":"Teacher with specified TRN not found",'
        '"status":404,"errorCode":10001}'
    )
    assert (
        no_qts.text
        == '{"title":"Teacher has no QTS record","status":400,"errorCode":10006}'
    )
    assert no_itt.text == (
        '{"title":"Teacher has no incomplete ITT record",'
        '"status":400,"errorCode":10005}'
    )


async def test_itt_outcome_validation(raw: httpx.AsyncClient, openapi: Any) -> None:
    no_date = await put_outcome(
        raw, openapi, "1000001", {"ittProviderUkprn": PROVIDER, "outcome": "Pass"}
    )
    no_birthdate = await raw.put("/v2/teachers/1000001/itt-outcome", json=award())
    future = await put_outcome(
        raw, openapi, "1000001", award(dt.date.today() + dt.timedelta(days=2))
    )

    assert no_date.json() == validation_body(
        "assessmentDate", "Assessment date must be specified when outcome is Pass."
    )
    assert no_birthdate.json() == validation_body("birthDate", "Birthdate is required.")
    assert future.json()["errors"] == {
        "assessmentDate": ["QTS date cannot be in the future."]
    }


async def test_award_then_repeat_and_update_refused(
    dqt: DqtClient, raw: httpx.AsyncClient, openapi: Any, state: Any
) -> None:
    request = SetIttOutcomeRequest(
        itt_provider_ukprn=PROVIDER, outcome="Pass", assessment_date=dt.date(2024, 7, 1)
    )

    awarded = await dqt.set_itt_outcome("1000001", BORN, "slug-1", request)
    again = await dqt.set_itt_outcome("1000001", BORN, "slug-1", request)
    other_date = await put_outcome(raw, openapi, "1000001", award(dt.date(2024, 7, 2)))
    refused = await patch_update(
        raw, openapi, "1000001", update_body(), slugId="slug-1"
    )

    assert (awarded.trn, awarded.qts_date) == ("1000001", dt.date(2024, 7, 1))
    assert again.qts_date == dt.date(2024, 7, 1)
    assert other_date.json()["errorCode"] == 10003
    # The race the playbook describes: award first, then the update fails.
    assert refused.json() == validation_body(
        "initialTeacherTraining.programmeType", "Teacher already has QTS/EYTS date"
    )
    grace = next(t for t in state.teachers if t.trn == "1000001")
    assert grace.qts_registrations[0].teacher_status == 71
    assert grace.itt[0].result == "Pass"


async def test_withdraw_twice_is_a_no_op(dqt: DqtClient, state: Any) -> None:
    body = {"ittProviderUkprn": PROVIDER, "outcome": "Withdrawn"}

    first = await dqt.set_itt_outcome("1000001", BORN, None, body)
    second = await dqt.set_itt_outcome("1000001", BORN, None, body)
    with pytest.raises(DqtApiError) as award_after:
        await dqt.set_itt_outcome("1000001", BORN, None, award())

    assert first.qts_date is None and second.qts_date is None
    grace = next(t for t in state.teachers if t.trn == "1000001")
    assert grace.qts_registrations[0].teacher_status is None
    assert award_after.value.error_code == 10005


# --- update --------------------------------------------------------------------------


ITT = "initialTeacherTraining"
AOR = {"programmeType": "AssessmentOnlyRoute"}
UPDATE_REFUSALS = [
    ("1000008", {}, f"{ITT}.programmeType", HAS_QTS),
    ("1000001", {"providerUkprn": "10000002"}, f"{ITT}.providerUkprn",
     "Organisation not found"),
    ("1000001", {"providerUkprn": UNIVERSITY}, f"{ITT}.providerUkprn",
     "Organisation not found"),
    ("1000009", {}, f"{ITT}.programmeType", "ProgrammeType cannot be changed"),
    ("1000004", {}, ITT, SEVERAL_ITT),
    ("1000013", {}, f"{ITT}.providerUkprn", NO_ITT),
    ("1000005", {"outcome": "InTraining"}, f"{ITT}.outcome", NO_QTS),
    ("1000010", AOR, f"{ITT}.outcome",
     "InTraining not permitted for AssessmentOnlyRoute programme types."),
    ("1000005", {**AOR, "outcome": "UnderAssessment"}, f"{ITT}.outcome",
     "UnderAssessment only permitted for AssessmentOnlyRoute programme types."),
    ("1000010", {**AOR, "outcome": "Deferred"}, f"{ITT}.outcome",
     "Result cannot be unwithdrawn to deferred"),
    ("1000012", {"outcome": "Deferred"}, f"{ITT}.outcome",
     "Unable to change Failed Result."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("trn", "itt", "key", "message"),
    UPDATE_REFUSALS,
    ids=["10003", "10008-closed", "10008-not-provider", "10011", "10004", "10005",
         "10006", "10024", "10025", "10026", "10027"],
)  # fmt: skip
async def test_update_refusals(
    raw: httpx.AsyncClient, openapi: Any, trn: str, itt: dict, key: str, message: str
) -> None:
    response = await patch_update(raw, openapi, trn, update_body(**itt))

    assert response.status_code == 400
    assert response.json() == validation_body(key, message)


async def test_update_unknown_degree_organisation(
    raw: httpx.AsyncClient, openapi: Any
) -> None:
    body = update_body()
    body["qualification"] = {"providerUkprn": "99999999", "class": "FirstClassHonours"}

    response = await patch_update(raw, openapi, "1000001", body)

    assert response.json() == validation_body(
        "qualification.providerUkprn", "Organisation not found"
    )
    # The same body as a captured job's error (a Register TRN request of 2022).
    assert response.json() in captured_bodies()


async def test_update_identification_errors(
    raw: httpx.AsyncClient, openapi: Any
) -> None:
    missing = await patch_update(raw, openapi, "1000002", update_body())
    several = await patch_update(raw, openapi, "1000003", update_body())

    assert missing.json() == coded_body(
        10001, "Teacher with specified TRN not found", 404
    )
    assert several.json() == coded_body(10002, "Multiple teachers found", 409)


async def test_update_validator_messages(raw: httpx.AsyncClient, openapi: Any) -> None:
    response = await patch_update(
        raw, openapi, "1000001",
        update_body(providerUkprn="", outcome="Pass", ageRangeTo=25),
    )  # fmt: skip

    assert response.json()["errors"] == {
        "initialTeacherTraining.providerUkprn": [
            "Initial TeacherTraining ProviderUkprn is required."
        ],
        "initialTeacherTraining.ageRangeTo": ["Age must be 0-19 inclusive."],
        "outcome": [
            "Outcome can only be set to Deferred, InTraining or UnderAssessment."
        ],
    }


async def test_update_applies_changes(dqt: DqtClient, state: Any) -> None:
    body = update_body(subject1="100346", ageRangeFrom=5, ageRangeTo=11)
    body["qualification"] = {"providerUkprn": UNIVERSITY, "class": "FirstClassHonours",
                             "date": "2020-01-01"}  # fmt: skip
    body.update(firstName="Grace Brewster", lastName="Hopper")

    await dqt.update_teacher(
        "1000001", BORN, "slug-1", UpdateTeacherRequest.model_validate(body)
    )

    grace = next(t for t in state.teachers if t.trn == "1000001")
    assert grace.itt[0].subjects == ["100346"]
    assert (grace.itt[0].age_range_from, grace.itt[0].age_range_to) == (5, 11)
    assert grace.qualifications[0].provider_ukprn == UNIVERSITY
    # PII is not written: this teacher does not allow updates from Register.
    assert grace.first_name == "Grace"


async def test_unwithdraw_restores_trainee_status(dqt: DqtClient, state: Any) -> None:
    await dqt.update_teacher("1000011", BORN, None, update_body(outcome="InTraining"))

    record = next(t for t in state.teachers if t.trn == "1000011")
    assert record.itt[0].result == "InTraining"
    assert record.qts_registrations[0].teacher_status == 211


async def test_refused_update_changes_nothing(dqt: DqtClient, state: Any) -> None:
    before = next(t for t in state.teachers if t.trn == "1000004").model_copy(deep=True)

    with pytest.raises(DqtApiError) as refused:
        await dqt.update_teacher("1000004", BORN, None, update_body(subject1="999"))

    assert refused.value.errors == {
        "initialTeacherTraining": ["Teacher has multiple incomplete ITT records"]
    }
    assert next(t for t in state.teachers if t.trn == "1000004") == before


# --- reading teachers ------------------------------------------------------------


async def test_get_teacher(
    dqt: DqtClient, raw: httpx.AsyncClient, openapi: Any
) -> None:
    grace = await dqt.get_teacher("1000001", BORN)
    active_only = await raw.get("/v2/teachers/1000013")
    with_inactive = await raw.get(
        "/v2/teachers/1000013", params={"includeinactive": "true"}
    )
    inactive_teacher = await raw.get("/v2/teachers/1000002")
    bad_trn = await raw.get("/v2/teachers/12345")

    assert (grace.first_name, grace.last_name, grace.date_of_birth) == (
        "Grace",
        "Hopper",
        BORN,
    )
    assert grace.initial_teacher_training[0].provider is not None
    assert grace.initial_teacher_training[0].provider.ukprn == PROVIDER
    assert grace.initial_teacher_training[0].result == "InTraining"
    assert active_only.json()["initialTeacherTraining"] == []
    assert with_inactive.json()["initialTeacherTraining"][0]["result"] == "Pass"
    assert inactive_teacher.status_code == 404
    assert bad_trn.json()["errors"] == {"trn": ["TRN must consist of 7 digits"]}
    for response in (active_only, with_inactive, inactive_teacher, bad_trn):
        openapi("get", "/v2/teachers/{trn}", response)


async def test_early_years_status_is_shown(
    raw: httpx.AsyncClient, openapi: Any
) -> None:
    response = await raw.get("/v2/teachers/1000009")

    openapi("get", "/v2/teachers/{trn}", response)
    assert response.json()["earlyYearsStatus"] == {
        "value": "220",
        "name": "Early Years Trainee",
    }


async def test_find_needs_three_identifiers(
    dqt: DqtClient, raw: httpx.AsyncClient, openapi: Any
) -> None:
    # The name pair counts as one identifier, birth date and email as one each.
    three = await dqt.find_teachers("grace", "HOPPER", BORN, "Grace@Example.com")
    two = await dqt.find_teachers("Grace", "Hopper", BORN, None)
    wrong_birth = await dqt.find_teachers("Grace", "Hopper", START, "grace@example.com")
    by_name_email_birth = await raw.get(
        "/v2/teachers/find",
        params={"firstName": "Grace", "lastName": "Hopper", "emailAddress":
                "grace@example.com", "dateOfBirth": str(BORN)},
    )  # fmt: skip

    assert [r.trn for r in three.results] == ["1000001"]
    assert three.results[0].email_addresses == ["grace@example.com"]
    assert two.results == []
    assert wrong_birth.results == []
    openapi("get", "/v2/teachers/find", by_name_email_birth)
    assert [r["trn"] for r in by_name_email_birth.json()["results"]] == ["1000001"]


# --- TRN requests ----------------------------------------------------------------


def trn_request(first: str = "Katherine", last: str = "Johnson", **extra: Any) -> dict:
    body = {
        "firstName": first,
        "middleName": None,
        "lastName": last,
        "birthDate": "1995-08-26",
        "emailAddress": "kj@example.com",
        "genderCode": "Female",
        "initialTeacherTraining": {
            "providerUkprn": PROVIDER,
            "programmeStartDate": str(START),
            "programmeEndDate": str(END),
            "programmeType": "PrimaryAndSecondaryPostgraduateFeeFunded",
            "ageRangeFrom": 11,
            "ageRangeTo": 16,
        },
        "qualification": None,
    }
    body.update(extra)
    return body


async def test_new_trn_request_is_completed(
    dqt: DqtClient, raw: httpx.AsyncClient, openapi: Any, state: Any
) -> None:
    created = await raw.put("/v2/trn-requests/req-1", json=trn_request(slugid="slug-9"))
    again = await raw.put("/v2/trn-requests/req-1", json=trn_request(slugid="slug-9"))
    polled = await dqt.get_trn_request("req-1")

    openapi("put", "/v2/trn-requests/{requestId}", created)
    openapi("put", "/v2/trn-requests/{requestId}", again)
    assert created.status_code == 201 and again.status_code == 200
    info = created.json()
    assert info["status"] == "Completed" and info["potentialDuplicate"] is False
    assert len(info["trn"]) == 7 and info["trn"].isdigit()
    assert info["slugId"] == "slug-9"
    assert again.json()["trn"] == info["trn"]
    assert (polled.status, polled.trn) == ("Completed", info["trn"])
    created_teacher = next(t for t in state.teachers if t.trn == info["trn"])
    assert created_teacher.allow_pii_updates is True
    assert created_teacher.qts_registrations[0].teacher_status == 211


async def test_lookalike_trn_request_is_pending_until_resolved(
    dqt: DqtClient, raw: httpx.AsyncClient, openapi: Any, sim: Any
) -> None:
    # Three of first, middle, last name and birth date match an existing teacher.
    body = trn_request("GRACE", "Hopper", birthDate=str(BORN))

    info = await dqt.put_trn_request("req-2", body)
    pending = await raw.get("/v2/trn-requests/req-2")
    resolved = await raw.post("/_sim/trn-requests/register/req-2/resolve")
    polled = await dqt.get_trn_request("req-2")

    assert (info.status, info.trn, info.potential_duplicate) == ("Pending", None, True)
    openapi("get", "/v2/trn-requests/{requestId}", pending)
    assert pending.json() == {"requestId": "req-2", "trn": None, "status": "Pending",
                              "qtsDate": None, "potentialDuplicate": True,
                              "slugId": None}  # fmt: skip
    assert resolved.json()["status"] == "Completed"
    assert polled.status == "Completed" and polled.trn is not None


async def test_same_hesa_id_is_a_potential_duplicate(
    dqt: DqtClient, state: Any
) -> None:
    state.teachers[0].hus_id = "1234567890123"

    info = await dqt.put_trn_request("req-3", trn_request(husid="1234567890123"))

    assert info.status == "Pending"


async def test_trn_request_errors(
    dqt: DqtClient, raw: httpx.AsyncClient, openapi: Any
) -> None:
    unknown = await raw.get("/v2/trn-requests/never-made")
    bad_org = await raw.put(
        "/v2/trn-requests/req-4",
        json=trn_request(qualification={"providerUkprn": "99999999"}),
    )
    bad_id = await raw.put("/v2/trn-requests/has%20space", json=trn_request())
    with pytest.raises(DqtApiError) as poll_error:
        await dqt.get_trn_request("never-made")

    assert unknown.status_code == 404
    openapi("get", "/v2/trn-requests/{requestId}", unknown)
    openapi("put", "/v2/trn-requests/{requestId}", bad_org)
    assert bad_org.json() in captured_bodies()
    assert bad_id.json()["errors"] == {
        "requestId": [
            "requestId can only contain characters a-z, digits, underscores and dashes."
        ]
    }
    assert poll_error.value.status == 404


# --- authentication and the rate limit ------------------------------------------------


async def test_unauthenticated_requests_get_401(sim: Any) -> None:
    async with httpx.AsyncClient(base_url=sim.url) as client:
        missing = await client.get("/v2/teachers/1000001")
        wrong = await client.get(
            "/v2/teachers/1000001", headers={"Authorization": "Bearer nope"}
        )
        basic = await client.get(
            "/v2/teachers/1000001", headers={"Authorization": "Basic xyz"}
        )

    assert [r.status_code for r in (missing, wrong, basic)] == [401, 401, 401]
    assert missing.content == b""


async def test_rate_limit_answers_429(
    make_simulator: Any, state: Any, openapi: Any
) -> None:
    limited = make_simulator(state, rate_limit_per_minute=2)
    headers = {"Authorization": "Bearer dqt-test-key"}

    async with httpx.AsyncClient(base_url=limited.url, headers=headers) as client:
        answers = [await client.get("/v2/teachers/1000001") for _ in range(3)]

    assert [r.status_code for r in answers] == [200, 200, 429]
    over = answers[2]
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert over.json() == {
        "title": "API calls quota exceeded",
        "detail": "A maximum of 2 calls per 60s are permitted.",
        "status": 429,
    }
    openapi("get", "/v2/teachers/{trn}", over)


async def test_error_text_round_trips_through_the_job_parser(dqt: DqtClient) -> None:
    with pytest.raises(DqtApiError) as error:
        await dqt.set_itt_outcome("1000006", BORN, None, award())

    # Register stored the same three parts in the job's error message.
    message = (
        f"status: {error.value.status}, body: {error.value.raw_body}, headers: {{}}"
    )
    parsed = parse_job_error("Dqt::Client::HttpError", message)
    assert (parsed.status, parsed.error_code, parsed.title) == (
        400,
        10006,
        "Teacher has no QTS record",
    )
