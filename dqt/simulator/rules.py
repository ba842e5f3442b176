"""DQT's rules for reading teachers and setting ITT outcomes, over the simulator state.

Each function takes the state and the request as the API received it, and either
returns the JSON answer or raises `ApiProblem` with the body the real API gives in that
situation. Nothing here is keyed on particular TRNs: answers follow from the records.
The update rules are in `update_rules.py` and TRN requests in `trn_requests.py`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dqt.models import ITT_OUTCOMES, is_early_years
from dqt.simulator.problems import (
    coded,
    invalid,
    not_found,
    server_error,
    validation,
)
from dqt.simulator.state import (
    ASSESSMENT_ONLY_CANDIDATE,
    EARLY_YEARS_TRAINEE,
    EYTS_AWARDED,
    QTS_ASSESSMENT_ONLY,
    QTS_INTERNATIONAL,
    QTS_STATUSES,
    QTS_TRAINED,
    TRAINEE_TEACHER,
    IttRecord,
    Organisation,
    QtsRegistration,
    SimulatorState,
    Teacher,
)

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Adds one validation message under a key (each request builds its own dict).
AddError = Callable[[str, str], None]

AOR = "AssessmentOnlyRoute"
ITT = "initialTeacherTraining"
EARLIEST_BIRTH_DATE = dt.date(1940, 1, 1)
IQTS = "InternationalQualifiedTeacherStatus"
TRN_PATTERN = re.compile(r"\A\d{7}\Z")
ACTIONABLE_OUTCOMES = {
    "Pass",
    "Fail",
    "Withdrawn",
    "Deferred",
    "DeferredForSkillsTests",
}
EARLY_YEARS_STATUS_NAMES = {
    EARLY_YEARS_TRAINEE: "Early Years Trainee",
    EYTS_AWARDED: "Early Years Teacher Status",
}


# --- request reading ----------------------------------------------------------------


def parse_body(model: type[M], body: Any) -> M:
    """Bind a JSON body to a model; a value of the wrong type is a `$.path` error."""
    if not isinstance(body, dict):
        raise invalid("$", "The JSON value could not be converted to the request.")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        for item in error.errors():
            path = "$." + ".".join(str(part) for part in item["loc"])
            errors.setdefault(path, []).append(
                f"The JSON value could not be converted. Path: {path}"
            )
        raise validation(errors) from error


def check_enum(errors: dict[str, list[str]], path: str, value: Any, known: Any) -> None:
    """An enum name the API does not define fails JSON binding, under `$.path`."""
    if value is not None and value not in known:
        errors.setdefault(f"$.{path}", []).append(
            f"The JSON value could not be converted. Path: $.{path}"
        )


def check_name_lengths(request: Any, add: AddError) -> None:
    """Names and email of a TRN request or an update: 100 characters at most."""
    for key, label, value in (
        ("firstName", "First Name", request.first_name),
        ("middleName", "Middle Name", request.middle_name),
        ("lastName", "Last Name", request.last_name),
        ("emailAddress", "Email Address", request.email_address),
    ):
        if value is not None and len(value) > 100:
            add(
                key,
                f"The length of '{label}' must be 100 characters or fewer. "
                f"You entered {len(value)} characters.",
            )


def check_age_bounds(low: int | None, high: int | None, add: AddError) -> None:
    """The ITT age range's ends, each 0-19."""
    for key, age in (("ageRangeFrom", low), ("ageRangeTo", high)):
        if age is not None and not 0 <= age <= 19:
            add(f"{ITT}.{key}", "Age must be 0-19 inclusive.")


def query_value(query: Mapping[str, str], name: str) -> str | None:
    """A query parameter, with its name matched regardless of case (as ASP.NET does)."""
    wanted = name.lower()
    for key, value in query.items():
        if key.lower() == wanted:
            return value
    return None


def parse_birthdate(raw: str | None) -> dt.date:
    if raw is None or not raw.strip():
        raise invalid("birthDate", "Birthdate is required.")
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise invalid("birthdate", f"The value '{raw}' is not valid.") from None


def same_name(left: str | None, right: str | None) -> bool:
    """Names compared as DQT does: ignoring case and accents."""
    if not left or not right:
        return False
    return _fold(left) == _fold(right)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --- lookups ------------------------------------------------------------------------


def itt_providers(state: SimulatorState, ukprn: str | None) -> list[Organisation]:
    """Active organisations flagged as training providers with this UKPRN."""
    return [
        org
        for org in state.organisations
        if ukprn and org.ukprn == ukprn and org.active and org.is_training_provider
    ]


def any_organisation(state: SimulatorState, ukprn: str | None) -> Organisation | None:
    return next(
        (o for o in state.organisations if ukprn and o.ukprn == ukprn and o.active),
        None,
    )


def identify_teacher(
    state: SimulatorState, trn: str, birth_date: dt.date, slug_id: str | None
) -> Teacher:
    """Find the one active teacher: by slugId and TRN first, then TRN and birth date."""
    found: list[Teacher] = []
    if slug_id:
        found = [
            t
            for t in state.teachers
            if t.active and t.trn == trn and _has_slug(t, slug_id)
        ]
    if not found:
        found = [
            t
            for t in state.teachers
            if t.active and t.trn == trn and t.date_of_birth == birth_date
        ]

    if not found:
        raise coded(10001)
    if len(found) > 1:
        raise coded(10002)
    return found[0]


def _has_slug(teacher: Teacher, slug_id: str) -> bool:
    return teacher.slug_id == slug_id or any(
        row.slug_id == slug_id for row in teacher.itt
    )


# --- GET /v2/teachers/{trn} ---------------------------------------------------------


def get_teacher(state: SimulatorState, trn: str, include_inactive: bool) -> dict:
    if not TRN_PATTERN.match(trn):
        raise invalid("trn", "TRN must consist of 7 digits")
    teacher = next((t for t in state.teachers if t.active and t.trn == trn), None)
    if teacher is None:
        raise not_found()
    rows = [row for row in teacher.itt if row.active or include_inactive]
    return {
        "trn": teacher.trn,
        "firstName": teacher.first_name,
        "lastName": teacher.last_name,
        "middleName": teacher.middle_name,
        "dateOfBirth": teacher.date_of_birth.isoformat(),
        "nationalInsuranceNumber": teacher.national_insurance_number,
        "hasActiveSanctions": teacher.has_active_sanctions,
        "qtsDate": _iso(teacher.qts_date),
        "eytsDate": _iso(teacher.eyts_date),
        "husId": teacher.hus_id,
        "earlyYearsStatus": _early_years_status(teacher),
        "initialTeacherTraining": [_itt_json(row) for row in rows],
        "allowPIIUpdates": teacher.allow_pii_updates,
    }


def _early_years_status(teacher: Teacher) -> dict | None:
    for row in teacher.qts_registrations:
        if row.early_years_status in EARLY_YEARS_STATUS_NAMES:
            code = row.early_years_status
            return {"value": str(code), "name": EARLY_YEARS_STATUS_NAMES[code]}
    return None


def _itt_json(row: IttRecord) -> dict:
    return {
        "programmeStartDate": _iso(row.programme_start_date),
        "programmeEndDate": _iso(row.programme_end_date),
        "programmeType": row.programme_type,
        "result": row.result,
        "provider": {"ukprn": row.provider_ukprn} if row.provider_ukprn else None,
        "husId": row.hus_id,
        "active": row.active,
    }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


# --- GET /v2/teachers/find ----------------------------------------------------------


def find_teachers(state: SimulatorState, query: Mapping[str, str]) -> dict:
    """Teachers matching at least three of the identifiers given (fewer: none)."""

    def arg(name: str) -> str | None:
        value = query_value(query, name)
        return value.strip() if value and value.strip() else None

    first = [n for n in (arg("firstName"), arg("previousFirstName")) if n]
    last = [n for n in (arg("lastName"), arg("previousLastName")) if n]
    birth = _date_or_none(arg("dateOfBirth"))
    provider_ukprns = _provider_ukprns(
        state, arg("ittProviderUkprn"), arg("ittProviderName")
    )

    checks: list[Any] = []
    if first and last:
        checks.append(
            lambda t: (
                _name_matches(t.first_name, first)
                and any(same_name(t.last_name, n) for n in last)
            )
        )
    if birth:
        checks.append(lambda t: t.date_of_birth == birth)
    if nino := arg("nationalInsuranceNumber"):
        checks.append(lambda t: same_name(t.national_insurance_number, nino))
    if email := arg("emailAddress"):
        checks.append(lambda t: same_name(t.email_address, email))
    if trn := arg("trn"):
        checks.append(lambda t: t.trn == trn)
    if provider_ukprns:
        checks.append(
            lambda t: any(row.provider_ukprn in provider_ukprns for row in t.itt)
        )

    if len(checks) < 3:
        return {"results": []}
    matches = [
        t
        for t in state.teachers
        if t.active and t.trn and sum(1 for check in checks if check(t)) >= 3
    ]
    matches.sort(key=lambda t: (_fold(t.last_name), _fold(t.first_name)))
    return {"results": [_find_result(t) for t in matches]}


def _name_matches(stored: str, wanted: list[str]) -> bool:
    # Register sends only the first of a trainee's first names.
    first_word = stored.split()[0] if stored.split() else stored
    return any(same_name(stored, n) or same_name(first_word, n) for n in wanted)


def _provider_ukprns(
    state: SimulatorState, ukprn: str | None, name: str | None
) -> set[str]:
    # A provider that resolves to no organisation is simply not an identifier.
    found = {
        org.ukprn
        for org in state.organisations
        if (ukprn and org.ukprn == ukprn) or (name and same_name(org.name, name))
    }
    return found


def _date_or_none(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _find_result(teacher: Teacher) -> dict:
    return {
        "trn": teacher.trn,
        "emailAddresses": [teacher.email_address] if teacher.email_address else [],
        "firstName": teacher.first_name,
        "middleName": teacher.middle_name,
        "lastName": teacher.last_name,
        "dateOfBirth": teacher.date_of_birth.isoformat(),
        "nationalInsuranceNumber": teacher.national_insurance_number,
        "uid": teacher.uid,
        "hasActiveSanctions": teacher.has_active_sanctions,
    }


# --- PUT /v2/teachers/{trn}/itt-outcome ---------------------------------------------


def set_itt_outcome(
    state: SimulatorState,
    trn: str,
    birthdate_raw: str | None,
    slug_id: str | None,
    body: Any,
) -> dict:
    from dqt.models import SetIttOutcomeRequest

    request = parse_body(SetIttOutcomeRequest, body)
    birth_date = _validate_outcome_request(request, birthdate_raw)
    teacher = identify_teacher(state, trn, birth_date, slug_id)
    outcome = request.outcome or ""

    # Outcomes outside the five the CRM layer handles throw there: a bare 500.
    if outcome not in ACTIONABLE_OUTCOMES:
        raise server_error()

    providers = itt_providers(state, request.itt_provider_ukprn)
    if not providers:
        raise coded(10005)
    if len(providers) > 1:
        raise server_error()

    row = _outcome_itt_row(teacher, providers[0].ukprn, slug_id)
    if row.result == "Fail" or row.result == "Withdrawn":
        if outcome == row.result:
            log.info("itt-outcome %s repeated for TRN %s: no change", outcome, trn)
            return {"trn": teacher.trn, "qtsDate": None}
        raise coded(10005)

    qts_row = _qts_row(teacher, row.programme_type)
    early_years = is_early_years(row.programme_type)
    if outcome == "Pass":
        held = teacher.eyts_date if early_years else teacher.qts_date
        if held is not None and held != request.assessment_date:
            raise coded(10003)

    _write_outcome(teacher, row, qts_row, outcome, request.assessment_date)
    log.info("itt-outcome %s set for TRN %s", outcome, trn)
    qts_date = request.assessment_date if outcome == "Pass" else None
    return {"trn": teacher.trn, "qtsDate": _iso(qts_date)}


def _validate_outcome_request(request: Any, birthdate_raw: str | None) -> dt.date:
    errors: dict[str, list[str]] = {}
    if not birthdate_raw:
        errors["birthDate"] = ["Birthdate is required."]
    if not request.itt_provider_ukprn:
        errors["ittProviderUkprn"] = ["ITT provider UKPRN is required."]
    check_enum(errors, "outcome", request.outcome, ITT_OUTCOMES)
    if request.outcome is None:
        errors["outcome"] = ["'Outcome' must not be empty."]
    if request.outcome == "Pass" and request.assessment_date is None:
        errors["assessmentDate"] = [
            "Assessment date must be specified when outcome is Pass."
        ]
    elif request.outcome != "Pass" and request.assessment_date is not None:
        errors["assessmentDate"] = [
            "Assessment date cannot be specified unless outcome is Pass."
        ]
    elif request.assessment_date and request.assessment_date > dt.date.today():
        errors["assessmentDate"] = ["QTS date cannot be in the future."]
    if errors:
        raise validation(errors)
    return parse_birthdate(birthdate_raw)


def _outcome_itt_row(teacher: Teacher, ukprn: str, slug_id: str | None) -> IttRecord:
    rows = [r for r in teacher.itt if r.active and r.provider_ukprn == ukprn]
    candidates = [r for r in rows if slug_id and r.slug_id == slug_id]
    if not candidates:
        candidates = [r for r in rows if not r.slug_id]
    accepted = [r for r in candidates if r.result in _outcome_results(r)]
    if not accepted:
        raise coded(10005)
    if len(accepted) > 1:
        raise coded(10004)
    return accepted[0]


def _outcome_results(row: IttRecord) -> set[str]:
    first = "UnderAssessment" if row.programme_type == AOR else "InTraining"
    return {first, "Withdrawn", "Deferred", "Pass", "Fail"}


def _qts_row(teacher: Teacher, programme_type: str | None) -> QtsRegistration:
    """The one QTS registration row that is qualified or the route's trainee row."""
    trainee_status = trainee_status_for(programme_type)
    rows = [
        row
        for row in teacher.qts_registrations
        if row.early_years_status == EYTS_AWARDED
        or row.teacher_status in QTS_STATUSES
        or trainee_status in (row.teacher_status, row.early_years_status)
    ]
    if not rows:
        raise coded(10006)
    if len(rows) > 1:
        raise coded(10007)
    return rows[0]


def trainee_status_for(programme_type: str | None) -> int:
    if is_early_years(programme_type):
        return EARLY_YEARS_TRAINEE
    if programme_type == AOR:
        return ASSESSMENT_ONLY_CANDIDATE
    return TRAINEE_TEACHER


def _write_outcome(
    teacher: Teacher,
    row: IttRecord,
    qts_row: QtsRegistration,
    outcome: str,
    assessment_date: dt.date | None,
) -> None:
    row.result = outcome
    early_years = is_early_years(row.programme_type)
    if outcome == "Pass":
        if early_years:
            qts_row.early_years_status = EYTS_AWARDED
            teacher.eyts_date = assessment_date
        else:
            qts_row.teacher_status = {
                IQTS: QTS_INTERNATIONAL,
                AOR: QTS_ASSESSMENT_ONLY,
            }.get(row.programme_type or "", QTS_TRAINED)
            teacher.qts_date = assessment_date
    elif outcome == "Withdrawn":
        if early_years:
            qts_row.early_years_status = None
        else:
            qts_row.teacher_status = None
