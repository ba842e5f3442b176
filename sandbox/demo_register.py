"""Register's rows for the demo: providers, schools, users, trainees, degrees,
TRN requests and the audit trail the audited gem would have written.

Audits follow the gem: a trainee's own rows are `auditable_type 'Trainee'`
associated to its Provider; degree rows are associated to the Trainee; updates
hold `{"column": [old, new]}` with enum columns as integers; versions count up
per audited record; dates are "YYYY-MM-DD" and datetimes "...T..:..:...000Z".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox import demo_people as people
from sandbox.demo_cases import (
    REGISTER,
    DqtView,
    Failure,
    TraineeSpec,
)
from sandbox.demo_errors import job_error
from sandbox.demo_reference import (
    PROVIDERS,
    SCHOOLS,
    USERS,
    institution_by_name,
    institutions,
    ordinary_institutions,
)
from sandbox.demo_sidekiq import captured_error_messages
from sandbox.demo_timeline import Timeline, demo_now, timeline
from services.register.audits import format_audit_datetime
from services.register.enums import (
    EARLY_YEARS_ROUTES,
    CourseEducationPhase,
    LocaleCode,
    Sex,
    StudyMode,
    TraineeState,
    TrainingRoute,
    TrnRequestState,
    WithdrawReason,
)

log = logging.getLogger(__name__)

S = TraineeState
R = TrainingRoute

UNDERGRAD_ROUTES = frozenset(
    {
        R.early_years_undergrad,
        R.provider_led_undergrad,
        R.opt_in_undergrad,
        R.teacher_degree_apprenticeship,
    }
)
SCHOOL_ROUTES = frozenset(
    {
        R.school_direct_tuition_fee,
        R.school_direct_salaried,
        R.pg_teaching_apprenticeship,
    }
)
EMPLOYING_ROUTES = frozenset({R.school_direct_salaried, R.pg_teaching_apprenticeship})

PROVIDER_USER = 2
SUPPORT_USER = 1
USER_ADDRESS = "127.0.0.1"


@dataclass
class RegisterRows:
    providers: list[dict[str, Any]] = field(default_factory=list)
    schools: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    trainees: list[dict[str, Any]] = field(default_factory=list)
    degrees: list[dict[str, Any]] = field(default_factory=list)
    dqt_trn_requests: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)


def naive(moment: datetime | None) -> datetime | None:
    """Register's timestamp columns are UTC without a zone."""
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def _json_value(value: Any) -> Any:
    """A column value as the audited gem's JSON holds it."""
    if isinstance(value, datetime):
        return format_audit_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value


def reference_rows(today: date) -> RegisterRows:
    created = naive(demo_now(today) - timedelta(days=900))
    rows = RegisterRows()
    for provider in PROVIDERS:
        rows.providers.append(
            {
                "id": provider.id,
                "name": provider.name,
                "code": provider.code,
                "ukprn": provider.ukprn,
                "accreditation_id": provider.accreditation_id,
                "dttp_id": people.demo_uuid("provider-dttp", provider.id),
                "apply_sync_enabled": provider.id % 2 == 1,
                "created_at": created,
                "updated_at": created,
            }
        )
    for school in SCHOOLS:
        rows.schools.append(
            {
                "id": school.id,
                "urn": school.urn,
                "name": school.name,
                "town": school.town,
                "postcode": school.postcode,
                "open_date": date(1990 + school.id, 9, 1),
                "close_date": None,
                "lead_school": school.lead_school,
                "created_at": created,
                "updated_at": created,
            }
        )
    for user in USERS:
        rows.users.append(
            {
                "id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "dfe_sign_in_uid": people.demo_uuid("dfe-sign-in", user.id),
                "system_admin": user.system_admin,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def _course(spec: TraineeSpec) -> dict[str, Any]:
    if spec.route in EARLY_YEARS_ROUTES:
        subject, phase = "Early years teaching", CourseEducationPhase.early_years
        ages = (0, 5)
    elif spec.id % 3 == 0:
        subject, phase, ages = "Primary teaching", CourseEducationPhase.primary, (5, 11)
    else:
        subject = people.SUBJECTS[spec.id % (len(people.SUBJECTS) - 1)]
        phase, ages = CourseEducationPhase.secondary, (11, 16)
    return {
        "course_subject_one": subject,
        "course_education_phase": int(phase),
        "course_min_age": ages[0],
        "course_max_age": ages[1],
    }


def trainee_row(spec: TraineeSpec, moments: Timeline) -> dict[str, Any]:
    first, last = spec.names
    updated = max(moments.last_event, moments.created)
    row: dict[str, Any] = {
        "id": spec.id,
        "slug": spec.slug,
        "trainee_id": f"REF{spec.id:05d}",
        "first_names": first,
        "middle_names": people.middle_name(spec.id),
        "last_name": last,
        "date_of_birth": people.date_of_birth(spec.id),
        "email": people.email(first, last, spec.id),
        "sex": int(list(Sex)[spec.id % len(Sex)]),
        "diversity_disclosure": spec.id % 2,
        "ethnic_group": (spec.id % 6) if spec.id % 2 == 0 else None,
        "disability_disclosure": spec.id % 3,
        "locale_code": int(LocaleCode.uk),
        "provider_id": spec.provider_id,
        "state": int(spec.state),
        "training_route": int(spec.route),
        "training_initiative": 4,
        "study_mode": int(
            StudyMode.part_time if spec.id % 9 == 0 else StudyMode.full_time
        ),
        "itt_start_date": moments.itt_start,
        "itt_end_date": moments.itt_end,
        "trainee_start_date": moments.itt_start,
        "commencement_status": 0,
        "applying_for_bursary": spec.id % 4 == 1,
        "applying_for_scholarship": False,
        "applying_for_grant": False,
        "bursary_tier": None,
        "lead_school_id": 1 + spec.id % 2 if spec.route in SCHOOL_ROUTES else None,
        "employing_school_id": 3 if spec.route in EMPLOYING_ROUTES else None,
        "lead_school_not_applicable": spec.route not in SCHOOL_ROUTES,
        "employing_school_not_applicable": spec.route not in EMPLOYING_ROUTES,
        "trn": spec.trn,
        "hesa_id": people.hesa_id(spec.id) if spec.hesa else None,
        "record_source": "hesa_collection" if spec.hesa else "manual",
        "created_from_hesa": spec.hesa,
        "created_from_dttp": False,
        "hesa_editable": False,
        "submission_ready": spec.state != S.draft,
        "progress": {
            "personal_details": True,
            "contact_details": True,
            "diversity": True,
            "course_details": True,
            "degrees": spec.route not in UNDERGRAD_ROUTES,
            "funding": True,
        },
        "submitted_for_trn_at": naive(moments.submitted),
        "recommended_for_award_at": naive(moments.recommended),
        "awarded_at": naive(moments.awarded),
        "outcome_date": moments.outcome_date,
        "withdraw_reason": (
            int(WithdrawReason.personal_reasons) if moments.withdrawn else None
        ),
        "withdraw_date": naive(moments.withdrawn),
        "additional_withdraw_reason": None,
        "defer_date": moments.deferred.date() if moments.deferred else None,
        "discarded_at": naive(moments.discarded),
        "created_at": naive(moments.created),
        "updated_at": naive(updated),
    }
    row.update(_course(spec))
    if spec.id == 47:
        # The route-change case: salaried by a school, recorded as provider-led.
        row["employing_school_id"] = 3
        row["employing_school_not_applicable"] = False
    return row


def degree_row(spec: TraineeSpec, moments: Timeline) -> dict[str, Any] | None:
    """The trainee's degree; none for undergraduate routes unless a case needs one."""
    if spec.institution is None and spec.route in UNDERGRAD_ROUTES:
        return None
    if spec.institution is not None:
        institution = institution_by_name(spec.institution)
    elif spec.id % 17 == 0:
        institution = institutions()[-1]  # the generic "Other UK institution"
    else:
        choices = ordinary_institutions()
        institution = choices[spec.id % len(choices)]

    birth = people.date_of_birth(spec.id)
    degree_type = people.DEGREE_TYPES[spec.id % len(people.DEGREE_TYPES)]
    subject = people.DEGREE_SUBJECTS[spec.id % len(people.DEGREE_SUBJECTS)]
    grade = people.DEGREE_GRADES[spec.id % len(people.DEGREE_GRADES)]
    return {
        "id": spec.id,
        "trainee_id": spec.id,
        "slug": people.degree_slug(spec.id),
        "locale_code": int(LocaleCode.uk),
        "uk_degree": degree_type,
        "uk_degree_uuid": people.demo_uuid("degree-type", degree_type),
        "subject": subject,
        "subject_uuid": people.demo_uuid("degree-subject", subject),
        "institution": institution["name"],
        "institution_uuid": institution["id"],
        "grade": grade,
        "grade_uuid": people.demo_uuid("degree-grade", grade),
        "graduation_year": birth.year + 21,
        "created_at": naive(moments.created),
        "updated_at": naive(moments.created),
    }


def _failed_request_error(spec: TraineeSpec, moments: Timeline) -> str:
    """The text Register stored when its TRN request failed."""
    captured = captured_error_messages().get(spec.id)
    register_job = any(job.job_class == REGISTER for job in spec.jobs)
    if captured and register_job:
        return captured
    at = moments.submitted or moments.created
    return job_error(
        Failure.http_500_empty, trainee_id=spec.id, record_id=spec.id, at=at
    )[1]


def trn_request_row(spec: TraineeSpec, moments: Timeline) -> dict[str, Any] | None:
    if spec.trn_request is None or spec.trn_request_id is None:
        return None
    request_id = people.demo_uuid("trn-request", spec.trn_request_id)
    submitted = moments.submitted or moments.created
    if spec.trn_request == TrnRequestState.failed:
        response: dict[str, Any] = {"error": _failed_request_error(spec, moments)}
    else:
        received = spec.trn_request == TrnRequestState.received
        response = {
            "requestId": request_id,
            "status": "Completed" if received else "Pending",
            "trn": spec.trn if received else None,
            "potentialDuplicate": spec.dqt == DqtView.request_pending,
            "qtsDate": None,
            "slugId": spec.slug,
        }
    updated = moments.trn_received or submitted
    return {
        "id": spec.trn_request_id,
        "trainee_id": spec.id,
        "request_id": request_id,
        "response": response,
        "state": int(spec.trn_request),
        "created_at": naive(submitted),
        "updated_at": naive(updated),
    }


class _AuditWriter:
    """Numbers versions per record and fills the gem's bookkeeping columns."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.versions: dict[tuple[str, int], int] = {}

    def add(
        self,
        *,
        auditable: tuple[str, int],
        associated: tuple[str, int],
        action: str,
        changes: dict[str, Any],
        at: datetime,
        user_id: int | None,
        comment: str | None = None,
    ) -> None:
        version = self.versions.get(auditable, 0) + 1
        self.versions[auditable] = version
        self.rows.append(
            {
                "auditable_type": auditable[0],
                "auditable_id": auditable[1],
                "associated_type": associated[0],
                "associated_id": associated[1],
                "user_id": user_id,
                "user_type": "User" if user_id is not None else None,
                "username": None,
                "action": action,
                "audited_changes": {k: _json_value(v) for k, v in changes.items()},
                "version": version,
                "comment": comment,
                "remote_address": USER_ADDRESS if user_id is not None else None,
                "request_uuid": people.demo_uuid("request", *auditable, version),
                "created_at": naive(at),
            }
        )


_EVENT_COLUMNS = (
    "state",
    "trn",
    "submitted_for_trn_at",
    "recommended_for_award_at",
    "awarded_at",
    "outcome_date",
    "withdraw_reason",
    "withdraw_date",
    "defer_date",
    "discarded_at",
)


def _trainee_audits(
    writer: _AuditWriter,
    spec: TraineeSpec,
    row: dict[str, Any],
    degree: dict[str, Any] | None,
    moments: Timeline,
) -> None:
    me = ("Trainee", spec.id)
    provider = ("Provider", spec.provider_id)

    # Creation: every column at its first value, as the gem records a create.
    created = {
        key: value
        for key, value in row.items()
        if key not in ("id", "created_at", "updated_at")
    }
    for column in _EVENT_COLUMNS:
        created[column] = None
    created["state"] = int(S.draft)
    writer.add(
        auditable=me,
        associated=provider,
        action="create",
        changes=created,
        at=moments.created,
        user_id=PROVIDER_USER,
    )
    if degree is not None:
        writer.add(
            auditable=("Degree", degree["id"]),
            associated=me,
            action="create",
            changes={
                k: v
                for k, v in degree.items()
                if k not in ("id", "created_at", "updated_at")
            },
            at=moments.created + timedelta(minutes=5),
            user_id=PROVIDER_USER,
        )
    if moments.submitted is None:
        return

    def update(
        changes: dict[str, Any],
        at: datetime,
        user_id: int | None = PROVIDER_USER,
        comment: str | None = None,
    ) -> None:
        writer.add(
            auditable=me,
            associated=provider,
            action="update",
            changes=changes,
            at=at,
            user_id=user_id,
            comment=comment,
        )

    update(
        {
            "state": [int(S.draft), int(S.submitted_for_trn)],
            "submitted_for_trn_at": [None, moments.submitted],
        },
        moments.submitted,
    )
    state = int(S.submitted_for_trn)
    if moments.trn_received is not None:
        update(
            {"trn": [None, spec.trn], "state": [state, int(S.trn_received)]},
            moments.trn_received,
            user_id=None,
        )
        state = int(S.trn_received)
    if moments.deferred is not None:
        update(
            {
                "state": [state, int(S.deferred)],
                "defer_date": [None, moments.deferred.date()],
            },
            moments.deferred,
        )
        state = int(S.deferred)
    if moments.withdrawn is not None:
        update(
            {
                "state": [state, int(S.withdrawn)],
                "withdraw_reason": [None, int(WithdrawReason.personal_reasons)],
                "withdraw_date": [None, moments.withdrawn],
            },
            moments.withdrawn,
        )
    if moments.recommended is not None:
        update(
            {"outcome_date": [None, moments.outcome_date]},
            moments.recommended - timedelta(minutes=3),
        )
        update(
            {
                "state": [state, int(S.recommended_for_award)],
                "recommended_for_award_at": [None, moments.recommended],
            },
            moments.recommended,
        )
    if moments.awarded is not None and moments.recommended is not None:
        # Awarded by the award job (no user) or, for one case, by support by hand.
        by_support = spec.dqt == DqtView.status_cleared
        update(
            {
                "state": [int(S.recommended_for_award), int(S.awarded)],
                "awarded_at": [None, moments.awarded],
            },
            moments.recommended + timedelta(hours=1),
            user_id=SUPPORT_USER if by_support else None,
            comment=(
                "Awarded on Register: provider confirmed standards met"
                if by_support
                else None
            ),
        )
    if moments.discarded is not None:
        update(
            {"discarded_at": [None, moments.discarded]},
            moments.discarded,
            user_id=SUPPORT_USER,
            comment="Record added in error\nhttps://support.example.org/tickets/4821",
        )


def trainee_rows(specs: list[TraineeSpec], today: date) -> RegisterRows:
    rows = reference_rows(today)
    writer = _AuditWriter(rows.audits)
    for spec in specs:
        moments = timeline(spec, today)
        trainee = trainee_row(spec, moments)
        degree = degree_row(spec, moments)
        request = trn_request_row(spec, moments)
        rows.trainees.append(trainee)
        if degree is not None:
            rows.degrees.append(degree)
        if request is not None:
            rows.dqt_trn_requests.append(request)
        _trainee_audits(writer, spec, trainee, degree, moments)

    # Audits are inserted in time order, as they were written.
    rows.audits.sort(key=lambda audit: (audit["created_at"], audit["auditable_id"]))
    return rows


def iter_tables(rows: RegisterRows) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table name, rows) in foreign-key order."""
    yield "providers", rows.providers
    yield "schools", rows.schools
    yield "users", rows.users
    yield "trainees", rows.trainees
    yield "degrees", rows.degrees
    yield "dqt_trn_requests", rows.dqt_trn_requests
    yield "audits", rows.audits
