"""DQT's rules for TRN requests: get-or-create, duplicate detection, and polling.

A new request creates a teacher record. When it looks like a teacher DQT already holds
(three of first, middle, last name and birth date alike, or the same HESA id or slug)
the record gets no TRN and the request stays `Pending` with `potentialDuplicate` until
DQT staff resolve it (`resolve_trn_request`); otherwise a new 7-digit TRN is given at
once and the request is `Completed`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from dqt.models import (
    CLASS_DIVISIONS,
    GENDERS,
    ITT_PROGRAMME_TYPES,
    ITT_QUALIFICATION_AIMS,
    GetOrCreateTrnRequest,
    is_early_years,
)
from dqt.simulator.problems import TITLES, invalid, not_found, validation
from dqt.simulator.rules import (
    AOR,
    EARLIEST_BIRTH_DATE,
    ITT,
    any_organisation,
    check_age_bounds,
    check_enum,
    check_name_lengths,
    itt_providers,
    parse_body,
    same_name,
    trainee_status_for,
)
from dqt.simulator.state import (
    EARLY_YEARS_TRAINEE,
    IttRecord,
    QtsRegistration,
    Qualification,
    SimulatorState,
    Teacher,
    TrnRequest,
)

log = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"\A[A-Za-z0-9_-]+\Z")


def get_or_create_trn_request(
    state: SimulatorState, client: str, request_id: str, body: Any
) -> tuple[int, dict]:
    """Answer a PUT: (201, info) for a new request, (200, info) for a known one."""
    _check_request_id(request_id)
    request = parse_body(GetOrCreateTrnRequest, body)
    _validate(request)

    existing = _find_request(state, client, request_id)
    if existing is not None:
        log.info("TRN request %s already known", request_id)
        return 200, trn_request_info(state, existing, slug_id=existing.slug_id)

    _check_reference_data(state, request)
    duplicate = _looks_like_existing_teacher(state, request)
    teacher = _new_teacher(state, request, with_trn=not duplicate)
    state.teachers.append(teacher)
    stored = TrnRequest(
        client=client,
        request_id=request_id,
        teacher_uid=teacher.uid,
        slug_id=request.slug_id,
    )
    state.trn_requests.append(stored)
    log.info(
        "TRN request %s created: %s",
        request_id,
        "potential duplicate, pending" if duplicate else "completed",
    )
    return 201, trn_request_info(state, stored, slug_id=stored.slug_id)


def get_trn_request(state: SimulatorState, client: str, request_id: str) -> dict:
    stored = _find_request(state, client, request_id)
    if stored is None:
        raise not_found()
    # The real handler reads slugId from a column it never loads: always null here.
    return trn_request_info(state, stored, slug_id=None)


def resolve_trn_request(
    state: SimulatorState, client: str, request_id: str, trn: str | None = None
) -> dict:
    """What DQT staff do for a pending request: give its teacher a TRN."""
    stored = _find_request(state, client, request_id)
    teacher = (
        state.teacher_by_uid(stored.teacher_uid)
        if stored and stored.teacher_uid
        else None
    )
    if stored is None or teacher is None:
        raise not_found()
    if teacher.trn is None:
        teacher.trn = trn or allocate_trn(state)
        log.info("TRN request %s resolved with a new TRN", request_id)
    return trn_request_info(state, stored, slug_id=None)


def trn_request_info(
    state: SimulatorState, stored: TrnRequest, *, slug_id: str | None
) -> dict:
    teacher = state.teacher_by_uid(stored.teacher_uid) if stored.teacher_uid else None
    trn = teacher.trn if teacher else None
    return {
        "requestId": stored.request_id,
        "trn": trn,
        "status": "Completed" if trn else "Pending",
        "qtsDate": teacher.qts_date.isoformat()
        if teacher and teacher.qts_date
        else None,
        "potentialDuplicate": trn is None,
        "slugId": slug_id,
    }


def allocate_trn(state: SimulatorState) -> str:
    taken = {t.trn for t in state.teachers if t.trn}
    while str(state.next_trn) in taken:
        state.next_trn += 1
    trn = str(state.next_trn)
    state.next_trn += 1
    return trn


def _find_request(
    state: SimulatorState, client: str, request_id: str
) -> TrnRequest | None:
    return next(
        (
            r
            for r in state.trn_requests
            if r.client == client and r.request_id == request_id
        ),
        None,
    )


def _check_request_id(request_id: str) -> None:
    if not REQUEST_ID.match(request_id):
        raise invalid(
            "requestId",
            "requestId can only contain characters a-z, digits, underscores "
            "and dashes.",
        )
    if len(request_id) > 100:
        raise invalid("requestId", "requestId must be 100 characters or fewer")


def _validate(request: GetOrCreateTrnRequest) -> None:
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    for key, label, value in (
        ("firstName", "First Name", request.first_name),
        ("lastName", "Last Name", request.last_name),
    ):
        if not (value or "").strip():
            add(key, f"'{label}' must not be empty.")
    check_name_lengths(request, add)
    born = request.birth_date
    if born is None or not EARLIEST_BIRTH_DATE <= born < dt.date.today():
        add("birthDate", "Birth date is out of expected range.")
    if request.slug_id and len(request.slug_id) > 150:
        add("slugId", "slugid must be 150 characters or fewer")
    check_enum(errors, "genderCode", request.gender_code, GENDERS)

    itt = request.initial_teacher_training
    if itt is None:
        add(ITT, "'Initial Teacher Training' must not be empty.")
    else:
        if not itt.provider_ukprn:
            add(f"{ITT}.providerUkprn", "'Provider Ukprn' must not be empty.")
        if itt.programme_type is None:
            add(f"{ITT}.programmeType", "'Programme Type' must not be empty.")
        if itt.programme_start_date is None:
            add(
                f"{ITT}.programmeStartDate", "'Programme Start Date' must not be empty."
            )
        if itt.programme_end_date is None:
            add(f"{ITT}.programmeEndDate", "'Programme End Date' must not be empty.")
        check_enum(
            errors, f"{ITT}.programmeType", itt.programme_type, ITT_PROGRAMME_TYPES
        )
        check_enum(
            errors,
            f"{ITT}.ittQualificationAim",
            itt.itt_qualification_aim,
            ITT_QUALIFICATION_AIMS,
        )
        check_age_bounds(itt.age_range_from, itt.age_range_to, add)
    if request.qualification is not None:
        check_enum(
            errors, "qualification.class", request.qualification.class_division,
            CLASS_DIVISIONS,
        )  # fmt: skip
    if errors:
        raise validation(errors)


def _check_reference_data(
    state: SimulatorState, request: GetOrCreateTrnRequest
) -> None:
    # TODO: subjects, countries, ITT and HE qualification types (10009, 10010,
    # 10012, 10013) are accepted as sent: the state holds no reference lists.
    errors: dict[str, list[str]] = {}
    itt = request.initial_teacher_training
    if itt is not None and not itt_providers(state, itt.provider_ukprn):
        errors[f"{ITT}.providerUkprn"] = [TITLES[10008]]
    qualification = request.qualification
    if (
        qualification is not None
        and qualification.provider_ukprn
        and any_organisation(state, qualification.provider_ukprn) is None
    ):
        errors["qualification.providerUkprn"] = [TITLES[10008]]
    if errors:
        raise validation(errors)


def _looks_like_existing_teacher(
    state: SimulatorState, request: GetOrCreateTrnRequest
) -> bool:
    for teacher in state.teachers:
        if not teacher.active:
            continue
        if request.hus_id and teacher.hus_id == request.hus_id:
            return True
        if request.slug_id and (
            teacher.slug_id == request.slug_id
            or any(row.slug_id == request.slug_id for row in teacher.itt)
        ):
            return True
        if _alike_count(teacher, request) >= 3:
            return True
    return False


def _alike_count(teacher: Teacher, request: GetOrCreateTrnRequest) -> int:
    # Empty inputs are skipped: they neither match nor count.
    alike = [
        same_name(teacher.first_name, request.first_name),
        same_name(teacher.middle_name, request.middle_name),
        same_name(teacher.last_name, request.last_name),
        request.birth_date is not None and teacher.date_of_birth == request.birth_date,
    ]
    return sum(alike)


def _new_teacher(
    state: SimulatorState, request: GetOrCreateTrnRequest, *, with_trn: bool
) -> Teacher:
    itt = request.initial_teacher_training
    assert itt is not None and request.birth_date is not None
    programme_type = itt.programme_type
    status = trainee_status_for(programme_type)
    qts_row = (
        QtsRegistration(early_years_status=EARLY_YEARS_TRAINEE)
        if is_early_years(programme_type)
        else QtsRegistration(teacher_status=status)
    )
    row = IttRecord(
        provider_ukprn=itt.provider_ukprn,
        programme_type=programme_type,
        programme_start_date=itt.programme_start_date,
        programme_end_date=itt.programme_end_date,
        result="UnderAssessment" if programme_type == AOR else "InTraining",
        slug_id=request.slug_id,
        hus_id=request.hus_id,
        subjects=[s for s in (itt.subject1, itt.subject2, itt.subject3) if s],
        age_range_from=itt.age_range_from,
        age_range_to=itt.age_range_to,
        itt_qualification_type=itt.itt_qualification_type,
        itt_qualification_aim=itt.itt_qualification_aim,
        training_country_code=itt.training_country_code,
    )
    qualifications = []
    if request.qualification is not None:
        q = request.qualification
        qualifications.append(
            Qualification(
                provider_ukprn=q.provider_ukprn,
                country_code=q.country_code,
                subject=q.subject,
                subject2=q.subject2,
                subject3=q.subject3,
                class_division=q.class_division,
                date=q.date,
                he_qualification_type=q.he_qualification_type,
            )
        )
    return Teacher(
        trn=allocate_trn(state) if with_trn else None,
        first_name=(request.first_name or "").strip(),
        middle_name=request.middle_name,
        last_name=(request.last_name or "").strip(),
        date_of_birth=request.birth_date,
        email_address=request.email_address,
        gender_code=request.gender_code,
        slug_id=request.slug_id,
        hus_id=request.hus_id,
        allow_pii_updates=True,
        qts_registrations=[qts_row],
        itt=[row],
        qualifications=qualifications,
    )
