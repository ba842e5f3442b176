"""Register's integer enums, exactly as its database stores them.

Register keeps every enum as an integer column and maps it to a name in Ruby
(`app/models/trainee.rb` and `config/initializers/*`). The member names here are
Register's own names so that a value read from the database, from an audit's
`audited_changes` or from a job can be shown and compared without guessing.

Everything shown to people goes through `label()`, which turns a name into plain
words and never fails on a value Register does not know ("unknown (9)").

The DQT programme types are those Register sent between 2023-09-01 and
2024-08-28 (see `DQT_PROGRAMME_TYPE`); the other eras are kept in
`programme_types_for_route()` so a record written in any era still matches.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, TypeVar

AwardType = Literal["QTS", "EYTS"]
E = TypeVar("E", bound=IntEnum)


class TraineeState(IntEnum):
    """`trainees.state` (unchanged from 2021 to today)."""

    draft = 0
    submitted_for_trn = 1
    trn_received = 2
    recommended_for_award = 3
    withdrawn = 4
    deferred = 5
    awarded = 6


class TrainingRoute(IntEnum):
    """`trainees.training_route` and `courses.route`.

    13 existed only from 2024-06-14 to 2024-07-12 and 14 only after the DQT
    era; both are kept so that a row holding them is named, not "unknown".
    """

    assessment_only = 0
    provider_led_postgrad = 1
    early_years_undergrad = 2
    school_direct_tuition_fee = 3
    school_direct_salaried = 4
    pg_teaching_apprenticeship = 5
    early_years_assessment_only = 6
    early_years_salaried = 7
    early_years_postgrad = 8
    provider_led_undergrad = 9
    opt_in_undergrad = 10
    hpitt_postgrad = 11
    iqts = 12
    provider_led_postgrad_salaried = 13
    teacher_degree_apprenticeship = 14


class TrainingInitiative(IntEnum):
    """`trainees.training_initiative` (6 and above were added after 2023-06)."""

    future_teaching_scholars = 0
    maths_physics_chairs_programme_researchers_in_schools = 1
    now_teach = 2
    transition_to_teach = 3
    no_initiative = 4
    troops_to_teachers = 5
    veterans_teaching_undergraduate_bursary = 6
    international_relocation_payment = 7
    abridged_itt_course = 8
    primary_mathematics_specialist = 9
    additional_itt_place_for_pe_with_a_priority_subject = 10


class Sex(IntEnum):
    """`trainees.sex` (called `gender` before 2022-09)."""

    male = 0
    female = 1
    other = 2
    sex_not_provided = 3
    prefer_not_to_say = 4


class StudyMode(IntEnum):
    """`trainees.study_mode`."""

    part_time = 0
    full_time = 1


class CourseEducationPhase(IntEnum):
    """`trainees.course_education_phase`."""

    primary = 0
    secondary = 1
    early_years = 2


class CommencementStatus(IntEnum):
    """`trainees.commencement_status`."""

    itt_started_on_time = 0
    itt_started_later = 1
    itt_not_yet_started = 2


class BursaryTier(IntEnum):
    """`trainees.bursary_tier` (starts at 1 in Register)."""

    tier_one = 1
    tier_two = 2
    tier_three = 3


class DiversityDisclosure(IntEnum):
    """`trainees.diversity_disclosure`."""

    diversity_disclosed = 0
    diversity_not_disclosed = 1


class DisabilityDisclosure(IntEnum):
    """`trainees.disability_disclosure`."""

    disabled = 0
    no_disability = 1
    disability_not_provided = 2


class EthnicGroup(IntEnum):
    """`trainees.ethnic_group`."""

    asian_ethnic_group = 0
    black_ethnic_group = 1
    mixed_ethnic_group = 2
    white_ethnic_group = 3
    other_ethnic_group = 4
    not_provided_ethnic_group = 5


class WithdrawReason(IntEnum):
    """`trainees.withdraw_reason` (the integer column dropped on 2023-07-17)."""

    unknown = 0
    for_another_reason = 1
    death = 2
    exclusion = 3
    financial_reasons = 4
    gone_into_employment = 5
    health_reasons = 6
    personal_reasons = 7
    transferred_to_another_provider = 8
    written_off_after_lapse_of_time = 9
    did_not_pass_assessment = 10
    did_not_pass_exams = 11


class TrnRequestState(IntEnum):
    """`dqt_trn_requests.state`."""

    requested = 0
    received = 1
    failed = 2


class LocaleCode(IntEnum):
    """`degrees.locale_code` (and the 2023 `trainees.locale_code`)."""

    uk = 0
    non_uk = 1


# Register's own groupings of states (trainee.rb).
COMPLETE_STATES = frozenset(
    {
        TraineeState.recommended_for_award,
        TraineeState.withdrawn,
        TraineeState.awarded,
    }
)
IN_TRAINING_STATES = frozenset(
    {
        TraineeState.submitted_for_trn,
        TraineeState.trn_received,
        TraineeState.recommended_for_award,
    }
)

EARLY_YEARS_ROUTES = frozenset(
    {
        TrainingRoute.early_years_undergrad,
        TrainingRoute.early_years_assessment_only,
        TrainingRoute.early_years_salaried,
        TrainingRoute.early_years_postgrad,
    }
)

# The routes of the reference schema (2023-05-31): the ones with a DQT mapping.
DQT_ERA_ROUTES = frozenset(route for route in TrainingRoute if route <= 12)

# Route -> DQT `initialTeacherTraining.programmeType`, as Register sent it from
# 2023-09-01 (hpitt_postgrad became HighPotentialITT) to 2024-08-28 (before the
# provider-led routes became PrimaryAndSecondary*FeeFunded). Routes 13 and 14
# have no DQT mapping.
DQT_PROGRAMME_TYPE: dict[TrainingRoute, str] = {
    TrainingRoute.assessment_only: "AssessmentOnlyRoute",
    TrainingRoute.provider_led_postgrad: "ProviderLedPostgrad",
    TrainingRoute.early_years_undergrad: "EYITTUndergraduate",
    TrainingRoute.school_direct_tuition_fee: "SchoolDirectTrainingProgramme",
    TrainingRoute.school_direct_salaried: "SchoolDirectTrainingProgrammeSalaried",
    TrainingRoute.pg_teaching_apprenticeship: "Apprenticeship",
    TrainingRoute.early_years_assessment_only: "EYITTAssessmentOnly",
    TrainingRoute.early_years_salaried: "EYITTGraduateEmploymentBased",
    TrainingRoute.early_years_postgrad: "EYITTGraduateEntry",
    TrainingRoute.provider_led_undergrad: "ProviderLedUndergrad",
    TrainingRoute.opt_in_undergrad: "UndergraduateOptIn",
    TrainingRoute.hpitt_postgrad: "HighPotentialITT",
    TrainingRoute.iqts: "InternationalQualifiedTeacherStatus",
}

# Values the same route was sent as in the other DQT eras.
_OTHER_ERA_PROGRAMME_TYPES: dict[TrainingRoute, tuple[str, ...]] = {
    TrainingRoute.hpitt_postgrad: ("TeachFirstProgramme",),
    TrainingRoute.provider_led_postgrad: ("PrimaryAndSecondaryPostgraduateFeeFunded",),
    TrainingRoute.provider_led_undergrad: (
        "PrimaryAndSecondaryUndergraduateFeeFunded",
    ),
}

# `trainees.sex` -> DQT `genderCode` (Register's TRN request and update payloads).
DQT_GENDER_CODE: dict[Sex, str] = {
    Sex.male: "Male",
    Sex.female: "Female",
    Sex.other: "Other",
    Sex.prefer_not_to_say: "NotProvided",
    Sex.sex_not_provided: "NotAvailable",
}

# Words that plain-word labels write in capitals (or DfE's own casing).
_WORD_SPELLING = {
    "trn": "TRN",
    "itt": "ITT",
    "hpitt": "HPITT",
    "iqts": "iQTS",
    "qts": "QTS",
    "eyts": "EYTS",
    "pg": "PG",
    "pe": "PE",
    "uk": "UK",
}


def coerce(enum_type: type[E], value: object) -> E | None:
    """The member for an integer, a digit string or a member name; else None.

    Audits hold integers, but older or hand-written rows can hold the name
    (`"submitted_for_trn"`); both must compare equal.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        try:
            return enum_type(value)
        except ValueError:
            return None
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return coerce(enum_type, int(text))
        return enum_type.__members__.get(text)
    return None


def plain_words(name: str) -> str:
    """Register's name in plain words: `trn_received` -> "TRN received"."""
    return " ".join(_WORD_SPELLING.get(word, word) for word in name.split("_"))


def label(enum_type: type[IntEnum], value: object) -> str:
    """A name for people; "unknown (9)" for a value Register does not define."""
    if value is None:
        return "not set"
    member = coerce(enum_type, value)
    if member is None:
        return f"unknown ({value})"
    return plain_words(member.name)


def state_label(value: object) -> str:
    return label(TraineeState, value)


def route_label(value: object) -> str:
    return label(TrainingRoute, value)


def award_type(route: object) -> AwardType:
    """EYTS for the four early-years routes, QTS for every other (or unknown) route."""
    member = coerce(TrainingRoute, route)
    return "EYTS" if member in EARLY_YEARS_ROUTES else "QTS"


def dqt_programme_type(route: object) -> str | None:
    """The DQT programmeType for a route (2023-09 to 2024-08 values), else None."""
    member = coerce(TrainingRoute, route)
    if member is None:
        return None
    return DQT_PROGRAMME_TYPE.get(member)


def programme_types_for_route(route: object) -> frozenset[str]:
    """Every programmeType Register sent for this route across the DQT era."""
    member = coerce(TrainingRoute, route)
    if member is None or member not in DQT_PROGRAMME_TYPE:
        return frozenset()
    others = _OTHER_ERA_PROGRAMME_TYPES.get(member, ())
    return frozenset({DQT_PROGRAMME_TYPE[member], *others})
