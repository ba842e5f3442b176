"""The DQT simulator's state for the demo, built from the same trainee specifications.

Each trainee's `DqtView` says how DQT's record differs from Register's (or that
it agrees). The records are shaped so that the simulator's rules, applied to
Register's request, give the failure the trainee's job shows: a date of birth
that differs and no slugId to fall back on gives 404 10001, a cleared QTS
registration gives 10006, an ITT row already failed gives 10005 on withdraw, a
missing organisation gives "Organisation not found", a QTS date gives the
"already has QTS/EYTS date" refusal, and so on.

The state has no API keys: whoever starts the simulator adds its own key.
TRN requests belong to the client `register`.
"""

from __future__ import annotations

from datetime import date, timedelta

from dqt.simulator.state import (
    ASSESSMENT_ONLY_CANDIDATE,
    EARLY_YEARS_TRAINEE,
    EYTS_AWARDED,
    QTS_ASSESSMENT_ONLY,
    QTS_INTERNATIONAL,
    QTS_TRAINED,
    TRAINEE_TEACHER,
    IttRecord,
    Organisation,
    QtsRegistration,
    Qualification,
    SimulatorState,
    Teacher,
    TrnRequest,
)
from sandbox import demo_people as people
from sandbox.demo_cases import DqtView, TraineeSpec
from sandbox.demo_reference import PROVIDERS, UNKNOWN_TO_DQT_INSTITUTION, institutions
from sandbox.demo_register import degree_row, trainee_row
from sandbox.demo_timeline import Timeline, timeline
from services.register.enums import (
    DQT_GENDER_CODE,
    EARLY_YEARS_ROUTES,
    Sex,
    TraineeState,
    TrainingRoute,
    TrnRequestState,
    dqt_programme_type,
)

DQT_CLIENT = "register"

S = TraineeState

# HECoS codes Register sends for the demo's course subjects.
HECOS = {
    "Mathematics": "100403",
    "English studies": "100320",
    "Biology": "100346",
    "Chemistry": "100417",
    "Physics": "100425",
    "History": "100302",
    "Geography": "100409",
    "Computing": "100366",
    "French language": "100321",
    "Music education and teaching": "100642",
    "Primary teaching": "100511",
    "Early years teaching": "100510",
}

CLASS_DIVISION = {
    "First-class honours": "FirstClassHonours",
    "Upper second-class honours (2:1)": "UpperSecondClassHonours",
    "Lower second-class honours (2:2)": "LowerSecondClassHonours",
    "Third-class honours": "ThirdClassHonours",
}

_IN_TRAINING_VIEWS = frozenset(
    {
        DqtView.in_training,
        DqtView.dob_mismatch,
        DqtView.inactive,
        DqtView.itt_other_provider,
        DqtView.itt_inactive,
        DqtView.request_completed,
        DqtView.request_pending,
    }
)
# Records made before Register sent slugId (2023-07): found by TRN and DOB only.
_NO_SLUG_VIEWS = frozenset({DqtView.dob_mismatch, DqtView.inactive})


def _provider_ukprn(provider_id: int) -> str:
    return next(p.ukprn for p in PROVIDERS if p.id == provider_id)


def organisations() -> list[Organisation]:
    found: dict[str, Organisation] = {}
    for provider in PROVIDERS:
        found[provider.ukprn] = Organisation(
            ukprn=provider.ukprn, name=provider.name, is_training_provider=True
        )
    for entry in institutions():
        ukprn = entry.get("ukprn")
        if not ukprn or entry["name"] == UNKNOWN_TO_DQT_INSTITUTION:
            continue
        found.setdefault(
            ukprn,
            Organisation(ukprn=ukprn, name=entry["name"], is_training_provider=False),
        )
    return list(found.values())


def _itt_result(spec: TraineeSpec) -> str:
    route_first = (
        "UnderAssessment"
        if spec.route == TrainingRoute.assessment_only
        else "InTraining"
    )
    if spec.dqt in _IN_TRAINING_VIEWS or spec.dqt == DqtView.status_cleared:
        return route_first
    if spec.dqt in (DqtView.awarded, DqtView.awarded_name_differs):
        return "Pass"
    if spec.dqt == DqtView.itt_failed:
        return "Fail"
    if spec.dqt == DqtView.withdrawn:
        return "Withdrawn"
    # mirror: DQT agrees with Register's state.
    return {
        S.deferred: "Deferred",
        S.awarded: "Pass",
        S.withdrawn: "Withdrawn",
    }.get(spec.state, route_first)


def _qts_registration(spec: TraineeSpec, result: str) -> QtsRegistration:
    early_years = spec.route in EARLY_YEARS_ROUTES
    if spec.dqt == DqtView.status_cleared or result == "Withdrawn":
        return QtsRegistration()
    if result == "Pass":
        if early_years:
            return QtsRegistration(early_years_status=EYTS_AWARDED)
        qualified = {
            TrainingRoute.assessment_only: QTS_ASSESSMENT_ONLY,
            TrainingRoute.iqts: QTS_INTERNATIONAL,
        }.get(spec.route, QTS_TRAINED)
        return QtsRegistration(teacher_status=qualified)
    if early_years:
        return QtsRegistration(early_years_status=EARLY_YEARS_TRAINEE)
    if spec.route == TrainingRoute.assessment_only:
        return QtsRegistration(teacher_status=ASSESSMENT_ONLY_CANDIDATE)
    return QtsRegistration(teacher_status=TRAINEE_TEACHER)


def _award_date(spec: TraineeSpec, moments: Timeline, today: date) -> date:
    # An award Register recorded is DQT's QTS date, on the day it came back;
    # otherwise DQT's date is the assessment date Register sent.
    if moments.awarded is not None:
        return moments.awarded.date()
    return moments.outcome_date or (today - timedelta(days=30))


def _teacher(spec: TraineeSpec, today: date) -> Teacher:
    moments = timeline(spec, today)
    row = trainee_row(spec, moments)
    degree = degree_row(spec, moments)
    result = _itt_result(spec)
    slug = None if spec.dqt in _NO_SLUG_VIEWS else spec.slug

    provider_ukprn = _provider_ukprn(spec.provider_id)
    if spec.dqt == DqtView.itt_other_provider:
        provider_ukprn = _provider_ukprn(spec.provider_id % len(PROVIDERS) + 1)
    subjects = [HECOS[row["course_subject_one"]]]
    itt = IttRecord(
        provider_ukprn=provider_ukprn,
        programme_type=dqt_programme_type(spec.route),
        programme_start_date=row["itt_start_date"],
        programme_end_date=row["itt_end_date"],
        result=result,
        active=spec.dqt != DqtView.itt_inactive,
        slug_id=slug,
        hus_id=row["hesa_id"],
        subjects=subjects,
        age_range_from=row["course_min_age"],
        age_range_to=row["course_max_age"],
    )

    qualifications = []
    if degree is not None:
        institution = next(
            i for i in institutions() if i["id"] == degree["institution_uuid"]
        )
        if institution["name"] != UNKNOWN_TO_DQT_INSTITUTION:
            qualifications.append(
                Qualification(
                    provider_ukprn=institution.get("ukprn"),
                    country_code="XK",
                    class_division=CLASS_DIVISION.get(degree["grade"]),
                    date=date(degree["graduation_year"], 1, 1),
                )
            )

    birth = row["date_of_birth"]
    if spec.dqt == DqtView.dob_mismatch:
        birth = people.swapped_day_and_month(birth)
    last_name = row["last_name"]
    if spec.dqt == DqtView.awarded_name_differs:
        last_name = f"{last_name}-Marsh"

    awarded = result == "Pass"
    award_date = _award_date(spec, moments, today) if awarded else None
    early_years = spec.route in EARLY_YEARS_ROUTES
    trn = spec.trn
    submitted_mirror = spec.dqt == DqtView.mirror and spec.state == S.submitted_for_trn
    if spec.dqt == DqtView.request_completed or submitted_mirror:
        # DQT gave the TRN; Register picks it up at its next poll.
        trn = people.trainee_trn(spec.id)
    if spec.dqt == DqtView.request_pending:
        trn = None
    return Teacher(
        uid=people.demo_uuid("dqt-teacher", spec.id),
        trn=trn,
        first_name=row["first_names"],
        middle_name=row["middle_names"],
        last_name=last_name,
        date_of_birth=birth,
        email_address=row["email"],
        gender_code=DQT_GENDER_CODE[Sex(row["sex"])],
        active=spec.dqt != DqtView.inactive,
        slug_id=slug,
        hus_id=row["hesa_id"],
        qts_date=award_date if awarded and not early_years else None,
        eyts_date=award_date if awarded and early_years else None,
        allow_pii_updates=True,
        qts_registrations=[_qts_registration(spec, result)],
        itt=[itt],
        qualifications=qualifications,
    )


def _lookalike(spec: TraineeSpec, today: date, *, with_qts: bool) -> Teacher:
    """Another DQT teacher with the trainee's names and date of birth."""
    first, last = spec.names
    awarded = today - timedelta(days=400)
    return Teacher(
        uid=people.demo_uuid("dqt-lookalike", spec.id),
        trn=people.other_teacher_trn(spec.id),
        first_name=first,
        middle_name=people.middle_name(spec.id),
        last_name=last,
        date_of_birth=people.date_of_birth(spec.id),
        qts_date=awarded if with_qts else None,
        qts_registrations=[
            QtsRegistration(teacher_status=QTS_TRAINED if with_qts else TRAINEE_TEACHER)
        ],
        itt=[
            IttRecord(
                provider_ukprn=_provider_ukprn(spec.provider_id % len(PROVIDERS) + 1),
                programme_type="HEI",
                programme_start_date=date(awarded.year - 1, 9, 1),
                programme_end_date=date(awarded.year, 7, 31),
                result="Pass" if with_qts else "InTraining",
            )
        ],
    )


def simulator_state(specs: list[TraineeSpec], today: date) -> SimulatorState:
    state = SimulatorState(organisations=organisations())
    for spec in specs:
        if spec.dqt == DqtView.none:
            continue
        if spec.dqt == DqtView.lookalike_with_qts:
            state.teachers.append(_lookalike(spec, today, with_qts=True))
            continue
        if spec.dqt == DqtView.request_pending:
            # What made DQT hold the request back: a teacher who looks the same.
            state.teachers.append(_lookalike(spec, today, with_qts=False))
        teacher = _teacher(spec, today)
        state.teachers.append(teacher)

        known = spec.trn_request in (
            TrnRequestState.requested,
            TrnRequestState.received,
        )
        if known and spec.dqt_knows_request and spec.trn_request_id is not None:
            moments = timeline(spec, today)
            state.trn_requests.append(
                TrnRequest(
                    client=DQT_CLIENT,
                    request_id=people.demo_uuid("trn-request", spec.trn_request_id),
                    teacher_uid=teacher.uid,
                    slug_id=spec.slug,
                    created_at=moments.submitted or moments.created,
                )
            )
    return state
