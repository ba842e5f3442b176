"""DQT's rules for `PATCH /v2/teachers/update/{trn}`, in the order the API checks them.

Every refusal other than 10001/10002 is a validation body whose key is a JSON path and
whose message is the error registry's title: an update is refused once QTS/EYTS is
held, an unknown UKPRN is "Organisation not found", and so on.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from dqt.models import (
    CLASS_DIVISIONS,
    GENDERS,
    ITT_OUTCOMES,
    ITT_PROGRAMME_TYPES,
    ITT_QUALIFICATION_AIMS,
    UpdateTeacherRequest,
    is_early_years,
)
from dqt.simulator.problems import TITLES, coded_as_validation, validation
from dqt.simulator.rules import (
    AOR,
    EARLIEST_BIRTH_DATE,
    ITT,
    AddError,
    any_organisation,
    check_age_bounds,
    check_enum,
    check_name_lengths,
    identify_teacher,
    itt_providers,
    parse_birthdate,
    parse_body,
    trainee_status_for,
)
from dqt.simulator.state import (
    ASSESSMENT_ONLY_CANDIDATE,
    EARLY_YEARS_TRAINEE,
    TRAINEE_TEACHER,
    IttRecord,
    Qualification,
    SimulatorState,
    Teacher,
)

log = logging.getLogger(__name__)

UPDATABLE_OUTCOMES = {"Deferred", "InTraining", "UnderAssessment"}
# Results an ITT row may hold and still be the one an update is about.
OPEN_RESULTS = {"UnderAssessment", "Withdrawn", "Deferred", "Fail", "InTraining"}
EMAIL = re.compile(r"\A[^@\s]+@[^@\s]+\Z")


def update_teacher(
    state: SimulatorState,
    trn: str,
    birthdate_raw: str | None,
    slug_id: str | None,
    body: Any,
) -> None:
    request = parse_body(UpdateTeacherRequest, body)
    _validate(request, birthdate_raw, slug_id)
    birth_date = parse_birthdate(birthdate_raw)
    found = identify_teacher(state, trn, birth_date, slug_id)

    # Work on a copy so that a refusal part-way leaves the record as it was.
    teacher = found.model_copy(deep=True)
    itt = request.initial_teacher_training
    assert itt is not None  # the validator refused a missing block
    programme_type = itt.programme_type

    # 1. Reference data: every miss is reported together.
    # TODO: subjects (10009), countries (10010) and qualification types are not
    # checked: the state holds no reference lists for them, so every code passes.
    errors: dict[str, list[str]] = {}
    if not itt_providers(state, itt.provider_ukprn):
        errors[f"{ITT}.providerUkprn"] = [TITLES[10008]]
    qualification = request.qualification
    if (
        qualification is not None
        and qualification.provider_ukprn
        and any_organisation(state, qualification.provider_ukprn) is None
    ):
        errors["qualification.providerUkprn"] = [TITLES[10008]]
    if request.hus_id and any(
        other.hus_id == request.hus_id and other.uid != teacher.uid
        for other in state.teachers
        if other.active
    ):
        errors["husId.husId"] = [TITLES[10018]]
    if errors:
        raise validation(errors)

    # 2. No update once the teacher holds the award the route leads to.
    early_years = is_early_years(programme_type)
    if (early_years and teacher.eyts_date) or (not early_years and teacher.qts_date):
        raise coded_as_validation(f"{ITT}.programmeType", 10003)

    row, selection_error = _select_row(teacher, itt.provider_ukprn, slug_id)

    # 3. A route cannot move between early years and the rest.
    if row is not None and is_early_years(row.programme_type) != early_years:
        raise coded_as_validation(f"{ITT}.programmeType", 10011)

    # 4. Which result changes are allowed.
    if row is not None:
        _check_result_change(teacher, row, itt.outcome, programme_type)

    # 5./6. The row must be the one open ITT record.
    if selection_error is not None:
        raise coded_as_validation(*selection_error)
    assert row is not None
    _adjust_qts_row_for_route(teacher, row, programme_type)

    _write(teacher, row, request, slug_id)
    index = next(i for i, t in enumerate(state.teachers) if t is found)
    state.teachers[index] = teacher
    log.info("teacher TRN %s updated", trn)


def _validate(
    request: UpdateTeacherRequest, birthdate_raw: str | None, slug_id: str | None
) -> None:
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not birthdate_raw:
        add("birthDate", "Birthdate is required.")
    if slug_id and len(slug_id) > 150:
        add("slugId", "slugid must be 150 characters or fewer")

    itt = request.initial_teacher_training
    if itt is None:
        add(ITT, "'Initial Teacher Training' must not be empty.")
    else:
        if not itt.provider_ukprn:
            add(
                f"{ITT}.providerUkprn",
                "Initial TeacherTraining ProviderUkprn is required.",
            )
        if itt.programme_start_date is None:
            add(
                f"{ITT}.programmeStartDate", "'Programme Start Date' must not be empty."
            )
        if itt.programme_end_date is None:
            add(f"{ITT}.programmeEndDate", "'Programme End Date' must not be empty.")
        if itt.programme_type is None:
            add(f"{ITT}.programmeType", "'Programme Type' must not be empty.")
        check_enum(
            errors, f"{ITT}.programmeType", itt.programme_type, ITT_PROGRAMME_TYPES
        )
        check_enum(errors, f"{ITT}.outcome", itt.outcome, ITT_OUTCOMES)
        check_enum(
            errors,
            f"{ITT}.ittQualificationAim",
            itt.itt_qualification_aim,
            ITT_QUALIFICATION_AIMS,
        )
        _check_ages(itt.age_range_from, itt.age_range_to, add)
        _check_outcome(itt.outcome, itt.programme_type, add)

    if request.qualification is not None:
        check_enum(
            errors, "qualification.class", request.qualification.class_division,
            CLASS_DIVISIONS,
        )  # fmt: skip
    check_enum(errors, "genderCode", request.gender_code, GENDERS)
    _check_personal_details(request, add)
    if errors:
        raise validation(errors)


def _check_ages(low: int | None, high: int | None, add: AddError) -> None:
    check_age_bounds(low, high, add)
    if low is not None and high is not None and high < low:
        add(f"{ITT}.ageRangeTo", "'Age to' cannot be less than 'age from'.")


def _check_outcome(
    outcome: str | None, programme_type: str | None, add: AddError
) -> None:
    # The validator adds these under the bare member name, not the JSON path.
    if outcome is None:
        return
    if outcome not in UPDATABLE_OUTCOMES:
        add(
            "outcome",
            "Outcome can only be set to Deferred, InTraining or UnderAssessment.",
        )
    elif outcome == "InTraining" and programme_type == AOR:
        add(
            "outcome",
            "InTraining outcome not permitted for AssessmentOnlyRoute ProgrammeType.",
        )
    elif outcome == "UnderAssessment" and programme_type != AOR:
        add(
            "outcome",
            "UnderAssessment outcome only permitted for AssessmentOnlyRoute "
            "ProgrammeType.",
        )


def _check_personal_details(request: UpdateTeacherRequest, add: AddError) -> None:
    names = (request.first_name, request.middle_name, request.last_name)
    if any(name is not None for name in names):
        if not (request.first_name or "").strip():
            add("firstName", "'First Name' must not be empty.")
        if not (request.last_name or "").strip():
            add("lastName", "'Last Name' must not be empty.")
    check_name_lengths(request, add)
    if request.email_address and not EMAIL.match(request.email_address):
        add("emailAddress", "'Email Address' is not a valid email address.")
    born = request.date_of_birth
    if born is not None and not EARLIEST_BIRTH_DATE <= born < dt.date.today():
        add("dateOfBirth", "Birth date is out of expected range.")


def _select_row(
    teacher: Teacher, ukprn: str | None, slug_id: str | None
) -> tuple[IttRecord | None, tuple[str, int] | None]:
    """The ITT row an update is about, or the (key, code) of the refusal."""
    active = [row for row in teacher.itt if row.active]
    matched = [row for row in active if slug_id and row.slug_id == slug_id]
    if not matched:
        matched = [r for r in active if r.provider_ukprn == ukprn and not r.slug_id]
    matched = [row for row in matched if row.result in _update_results(row)]

    open_rows = [row for row in active if row.result in OPEN_RESULTS]
    if len(matched) > 1 or len(open_rows) > 1:
        return (matched[0] if matched else None), (ITT, 10004)
    if not matched:
        return None, (f"{ITT}.providerUkprn", 10005)
    return matched[0], None


def _update_results(row: IttRecord) -> set[str]:
    first = "UnderAssessment" if row.programme_type == AOR else "InTraining"
    return {first, "Withdrawn", "Deferred", "Fail"}


def _check_result_change(
    teacher: Teacher, row: IttRecord, outcome: str | None, programme_type: str | None
) -> None:
    key = f"{ITT}.outcome"
    if row.result == "Fail" and outcome in UPDATABLE_OUTCOMES:
        raise coded_as_validation(key, 10027)
    if row.result != "Withdrawn":
        return
    if outcome == "Deferred":
        raise coded_as_validation(key, 10026)
    if row.programme_type == AOR and outcome != "UnderAssessment":
        raise coded_as_validation(key, 10024)
    if row.programme_type != AOR and outcome == "UnderAssessment":
        raise coded_as_validation(key, 10025)
    if outcome is None:
        return

    # Un-withdrawing puts the trainee status back on an emptied QTS row.
    empty = [
        q
        for q in teacher.qts_registrations
        if q.teacher_status is None and q.early_years_status is None
    ]
    if not empty:
        raise coded_as_validation(key, 10006)
    status = trainee_status_for(programme_type)
    if status == EARLY_YEARS_TRAINEE:
        empty[0].early_years_status = status
    else:
        empty[0].teacher_status = status


def _adjust_qts_row_for_route(
    teacher: Teacher, row: IttRecord, programme_type: str | None
) -> None:
    """Moving between assessment-only and another non-EY route moves the QTS row."""
    if is_early_years(programme_type) or row.programme_type == programme_type:
        return
    if (row.programme_type == AOR) == (programme_type == AOR):
        return
    trainee_rows = [
        q
        for q in teacher.qts_registrations
        if q.teacher_status in (TRAINEE_TEACHER, ASSESSMENT_ONLY_CANDIDATE)
    ]
    if not trainee_rows:
        raise coded_as_validation(f"{ITT}.outcome", 10006)
    trainee_rows[0].teacher_status = trainee_status_for(programme_type)


def _write(
    teacher: Teacher,
    row: IttRecord,
    request: UpdateTeacherRequest,
    slug_id: str | None,
) -> None:
    itt = request.initial_teacher_training
    assert itt is not None
    row.provider_ukprn = itt.provider_ukprn
    row.programme_type = itt.programme_type
    row.programme_start_date = itt.programme_start_date
    row.programme_end_date = itt.programme_end_date
    row.subjects = [s for s in (itt.subject1, itt.subject2, itt.subject3) if s]
    row.age_range_from = itt.age_range_from
    row.age_range_to = itt.age_range_to
    row.itt_qualification_type = itt.itt_qualification_type
    row.itt_qualification_aim = itt.itt_qualification_aim
    row.training_country_code = itt.training_country_code
    row.result = (
        itt.outcome
        or row.result
        or ("UnderAssessment" if itt.programme_type == AOR else "InTraining")
    )
    if slug_id:
        row.slug_id = slug_id
        teacher.slug_id = slug_id
    if request.hus_id:
        row.hus_id = request.hus_id
        teacher.hus_id = request.hus_id

    if request.qualification is not None:
        _upsert_qualification(teacher, request.qualification)
    if teacher.allow_pii_updates:
        _write_personal_details(teacher, request)


def _upsert_qualification(teacher: Teacher, wanted: Any) -> None:
    new = Qualification(
        provider_ukprn=wanted.provider_ukprn,
        country_code=wanted.country_code,
        subject=wanted.subject,
        subject2=wanted.subject2,
        subject3=wanted.subject3,
        class_division=wanted.class_division,
        date=wanted.date,
        he_qualification_type=wanted.he_qualification_type,
    )
    # With more than one HE qualification DQT raises a review task instead.
    if len(teacher.qualifications) > 1:
        log.info("teacher has several qualifications: left for review")
    elif teacher.qualifications:
        teacher.qualifications[0] = new
    else:
        teacher.qualifications.append(new)


def _write_personal_details(teacher: Teacher, request: UpdateTeacherRequest) -> None:
    if request.first_name:
        # First and middle names are re-split on spaces before saving.
        words = f"{request.first_name} {request.middle_name or ''}".split()
        teacher.first_name = words[0]
        teacher.middle_name = " ".join(words[1:]) or None
    if request.last_name:
        teacher.last_name = request.last_name
    if request.email_address:
        teacher.email_address = request.email_address
    if request.gender_code:
        teacher.gender_code = request.gender_code
    if request.date_of_birth:
        teacher.date_of_birth = request.date_of_birth
