"""Register's integer enums, checked against register.md section 1.3."""

from __future__ import annotations

from enum import IntEnum

import pytest

from services.register import enums
from services.register.enums import TraineeState, TrainingRoute

EXPECTED: dict[type[IntEnum], dict[str, int]] = {
    enums.TraineeState: {
        "draft": 0,
        "submitted_for_trn": 1,
        "trn_received": 2,
        "recommended_for_award": 3,
        "withdrawn": 4,
        "deferred": 5,
        "awarded": 6,
    },
    enums.TrainingRoute: {
        "assessment_only": 0,
        "provider_led_postgrad": 1,
        "early_years_undergrad": 2,
        "school_direct_tuition_fee": 3,
        "school_direct_salaried": 4,
        "pg_teaching_apprenticeship": 5,
        "early_years_assessment_only": 6,
        "early_years_salaried": 7,
        "early_years_postgrad": 8,
        "provider_led_undergrad": 9,
        "opt_in_undergrad": 10,
        "hpitt_postgrad": 11,
        "iqts": 12,
        "provider_led_postgrad_salaried": 13,
        "teacher_degree_apprenticeship": 14,
    },
    enums.TrainingInitiative: {
        "future_teaching_scholars": 0,
        "maths_physics_chairs_programme_researchers_in_schools": 1,
        "now_teach": 2,
        "transition_to_teach": 3,
        "no_initiative": 4,
        "troops_to_teachers": 5,
        "veterans_teaching_undergraduate_bursary": 6,
        "international_relocation_payment": 7,
        "abridged_itt_course": 8,
        "primary_mathematics_specialist": 9,
        "additional_itt_place_for_pe_with_a_priority_subject": 10,
    },
    enums.Sex: {
        "male": 0,
        "female": 1,
        "other": 2,
        "sex_not_provided": 3,
        "prefer_not_to_say": 4,
    },
    enums.StudyMode: {"part_time": 0, "full_time": 1},
    enums.CourseEducationPhase: {"primary": 0, "secondary": 1, "early_years": 2},
    enums.CommencementStatus: {
        "itt_started_on_time": 0,
        "itt_started_later": 1,
        "itt_not_yet_started": 2,
    },
    enums.BursaryTier: {"tier_one": 1, "tier_two": 2, "tier_three": 3},
    enums.DiversityDisclosure: {"diversity_disclosed": 0, "diversity_not_disclosed": 1},
    enums.DisabilityDisclosure: {
        "disabled": 0,
        "no_disability": 1,
        "disability_not_provided": 2,
    },
    enums.EthnicGroup: {
        "asian_ethnic_group": 0,
        "black_ethnic_group": 1,
        "mixed_ethnic_group": 2,
        "white_ethnic_group": 3,
        "other_ethnic_group": 4,
        "not_provided_ethnic_group": 5,
    },
    enums.WithdrawReason: {
        "unknown": 0,
        "for_another_reason": 1,
        "death": 2,
        "exclusion": 3,
        "financial_reasons": 4,
        "gone_into_employment": 5,
        "health_reasons": 6,
        "personal_reasons": 7,
        "transferred_to_another_provider": 8,
        "written_off_after_lapse_of_time": 9,
        "did_not_pass_assessment": 10,
        "did_not_pass_exams": 11,
    },
    enums.TrnRequestState: {"requested": 0, "received": 1, "failed": 2},
    enums.LocaleCode: {"uk": 0, "non_uk": 1},
}


@pytest.mark.parametrize("enum_type", list(EXPECTED), ids=lambda e: e.__name__)
def test_enum_matches_registers_integers(enum_type: type[IntEnum]) -> None:
    assert {member.name: member.value for member in enum_type} == EXPECTED[enum_type]


def test_labels_are_plain_words() -> None:
    assert enums.state_label(3) == "recommended for award"
    assert enums.state_label(2) == "TRN received"
    assert enums.state_label(1) == "submitted for TRN"
    assert enums.route_label(4) == "school direct salaried"
    assert enums.route_label(12) == "iQTS"
    assert enums.label(enums.Sex, 4) == "prefer not to say"


def test_unknown_and_odd_values_never_crash() -> None:
    assert enums.state_label(9) == "unknown (9)"
    assert enums.state_label(-1) == "unknown (-1)"
    assert enums.state_label("nonsense") == "unknown (nonsense)"
    assert enums.state_label(None) == "not set"
    assert enums.state_label(True) == "unknown (True)"
    assert enums.route_label(3.5) == "unknown (3.5)"


def test_coerce_accepts_integers_digit_strings_and_names() -> None:
    assert enums.coerce(TraineeState, 2) is TraineeState.trn_received
    assert enums.coerce(TraineeState, "4") is TraineeState.withdrawn
    assert enums.coerce(TraineeState, "submitted_for_trn") is (
        TraineeState.submitted_for_trn
    )
    assert enums.coerce(TraineeState, 9) is None
    assert enums.coerce(TraineeState, False) is None


def test_award_type_per_route() -> None:
    early_years = {r for r in TrainingRoute if enums.award_type(r) == "EYTS"}
    assert early_years == set(enums.EARLY_YEARS_ROUTES)
    assert {route.name for route in early_years} == {
        "early_years_undergrad",
        "early_years_assessment_only",
        "early_years_salaried",
        "early_years_postgrad",
    }
    assert enums.award_type(99) == "QTS"


def test_programme_types_are_the_2023_09_to_2024_08_values() -> None:
    assert enums.dqt_programme_type(TrainingRoute.hpitt_postgrad) == "HighPotentialITT"
    assert enums.dqt_programme_type(1) == "ProviderLedPostgrad"
    assert enums.dqt_programme_type(9) == "ProviderLedUndergrad"
    assert enums.dqt_programme_type(4) == "SchoolDirectTrainingProgrammeSalaried"
    assert enums.dqt_programme_type(2) == "EYITTUndergraduate"
    assert enums.dqt_programme_type(14) is None
    assert enums.dqt_programme_type(99) is None
    assert set(enums.DQT_PROGRAMME_TYPE) == set(enums.DQT_ERA_ROUTES)
    assert enums.programme_types_for_route(11) == {
        "HighPotentialITT",
        "TeachFirstProgramme",
    }
    assert enums.programme_types_for_route(1) == {
        "ProviderLedPostgrad",
        "PrimaryAndSecondaryPostgraduateFeeFunded",
    }


def test_gender_codes_cover_every_sex() -> None:
    assert set(enums.DQT_GENDER_CODE) == set(enums.Sex)
    assert enums.DQT_GENDER_CODE[enums.Sex.prefer_not_to_say] == "NotProvided"
    assert enums.DQT_GENDER_CODE[enums.Sex.sex_not_provided] == "NotAvailable"
