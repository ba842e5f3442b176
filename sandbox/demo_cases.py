"""Who is in the demo: one specification per trainee for Register, DQT and Sidekiq.

Trainees 1 to 40 match the real Sidekiq payloads in `sandbox/captured/` (each
names `Trainee/<id>` or `Dqt::TrnRequest/500<id>`), with the failures listed in
the captured set's table. Trainees 41 to 51 add the playbook cases the capture
lacks. Trainees 101 and up are ordinary records across every state and route.

A specification says what Register holds, what DQT holds (`DqtView`) and which
jobs exist; `demo_register`, `demo_dqt` and `demo_sidekiq` turn it into rows, the
simulator's state and Redis members. Dates are offsets from the seeding day.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from sandbox import demo_people as people
from sandbox.demo_reference import UNKNOWN_TO_DQT_INSTITUTION
from services.playbook import (
    AWARD_JOB,
    REGISTER_JOB,
    RETRIEVE_TRN_JOB,
    UPDATE_JOB,
    WITHDRAW_JOB,
)
from services.register.enums import (
    DQT_ERA_ROUTES,
    TraineeState,
    TrainingRoute,
    TrnRequestState,
)

S = TraineeState
R = TrainingRoute

UPDATE = UPDATE_JOB
WITHDRAW = WITHDRAW_JOB
AWARD = AWARD_JOB
REGISTER = REGISTER_JOB
RETRIEVE = RETRIEVE_TRN_JOB

SetName = Literal["dead", "retry", "schedule", "queue"]


class DqtView(StrEnum):
    """What the DQT simulator holds for a trainee."""

    none = "not on DQT"
    mirror = "DQT agrees with Register's state"
    in_training = "in training on DQT"
    dob_mismatch = "date of birth differs on DQT"
    inactive = "DQT record inactive"
    awarded = "awarded on DQT (same date as Register's outcome date)"
    awarded_name_differs = "awarded on DQT; last name differs"
    status_cleared = "DQT's QTS registration status was cleared"
    itt_failed = "ITT result Fail on DQT"
    itt_other_provider = "ITT record under another provider on DQT"
    itt_inactive = "ITT record inactive on DQT"
    withdrawn = "withdrawn on DQT"
    lookalike_with_qts = "a different DQT teacher with the same name and DOB has QTS"
    request_pending = "TRN request pending on DQT (potential duplicate)"
    request_completed = "TRN request completed on DQT; TRN not yet in Register"


class Failure(StrEnum):
    """How a job failed (the captured set's failure names, plus three more)."""

    http_404_teacher_not_found = "http_404_teacher_not_found"
    http_400_no_qts_record = "http_400_no_qts_record"
    http_400_no_incomplete_itt = "http_400_no_incomplete_itt"
    http_400_org_not_found = "http_400_org_not_found"
    http_400_already_has_qts = "http_400_already_has_qts"
    http_500_html = "http_500_html"
    http_500_empty = "http_500_empty"
    http_405_empty = "http_405_empty"
    missing_trn = "missing_trn"
    poll_timeout = "poll_timeout"
    trainee_not_found = "trainee_not_found"
    trn_request_not_found = "trn_request_not_found"
    none = "none"


@dataclass(frozen=True)
class JobSpec:
    """A Sidekiq entry for the demo (captured ones are loaded from their files)."""

    set_name: SetName
    job_class: str
    failure: Failure
    hours_ago: float = 6.0
    retry_count: int = 0
    # `Trainee/<id>` by default; a TRN request GlobalID for RetrieveTrnJob.
    trn_request_id: int | None = None
    captured: bool = False


@dataclass(frozen=True)
class TraineeSpec:
    id: int
    state: TraineeState
    route: TrainingRoute
    provider_id: int
    dqt: DqtView
    has_trn: bool
    trn_request: TrnRequestState | None = None
    trn_request_id: int | None = None
    dqt_knows_request: bool = True
    submitted_days_ago: int = 60
    institution: str | None = None
    discarded: bool = False
    previous_state: TraineeState | None = None
    hesa: bool = False
    note: str = ""
    jobs: tuple[JobSpec, ...] = field(default_factory=tuple)

    @property
    def slug(self) -> str:
        return people.trainee_slug(self.id)

    @property
    def trn(self) -> str | None:
        return people.trainee_trn(self.id) if self.has_trn else None

    @property
    def names(self) -> tuple[str, str]:
        """(first names, last name): memorable for playbook trainees."""
        return _NAMES.get(
            self.id, (people.first_name(self.id), people.last_name(self.id))
        )


@dataclass(frozen=True)
class PlaybookTrainee:
    """Where the TUI demo and the tests find a playbook case."""

    case: str
    trainee_id: int
    slug: str | None
    name: str
    note: str


# The captured set's table (../shared/cases/README.md): trainee -> set, job, failure.
CAPTURED_FAILURES: dict[int, tuple[SetName, str, Failure]] = {
    1: ("retry", UPDATE, Failure.http_404_teacher_not_found),
    2: ("dead", WITHDRAW, Failure.http_404_teacher_not_found),
    3: ("schedule", AWARD, Failure.http_400_no_qts_record),
    4: ("dead", REGISTER, Failure.http_400_org_not_found),
    5: ("dead", RETRIEVE, Failure.poll_timeout),
    6: ("dead", UPDATE, Failure.missing_trn),
    7: ("dead", WITHDRAW, Failure.http_400_no_incomplete_itt),
    8: ("schedule", AWARD, Failure.http_400_no_incomplete_itt),
    9: ("dead", REGISTER, Failure.http_400_already_has_qts),
    10: ("schedule", RETRIEVE, Failure.http_404_teacher_not_found),
    11: ("retry", UPDATE, Failure.http_400_org_not_found),
    12: ("dead", WITHDRAW, Failure.http_500_empty),
    13: ("schedule", AWARD, Failure.http_500_html),
    14: ("dead", REGISTER, Failure.http_500_empty),
    15: ("schedule", RETRIEVE, Failure.http_500_html),
    16: ("retry", UPDATE, Failure.http_500_html),
    17: ("dead", WITHDRAW, Failure.http_404_teacher_not_found),
    18: ("schedule", AWARD, Failure.http_404_teacher_not_found),
    19: ("dead", REGISTER, Failure.http_400_org_not_found),
    20: ("retry", RETRIEVE, Failure.poll_timeout),
    21: ("retry", UPDATE, Failure.http_404_teacher_not_found),
    22: ("dead", WITHDRAW, Failure.http_400_no_incomplete_itt),
    23: ("schedule", AWARD, Failure.http_400_no_qts_record),
    24: ("dead", REGISTER, Failure.http_400_already_has_qts),
    25: ("schedule", RETRIEVE, Failure.http_404_teacher_not_found),
    26: ("retry", UPDATE, Failure.missing_trn),
    27: ("dead", WITHDRAW, Failure.http_500_empty),
    28: ("schedule", AWARD, Failure.http_400_no_incomplete_itt),
    29: ("dead", REGISTER, Failure.http_500_empty),
    30: ("schedule", RETRIEVE, Failure.http_500_html),
    31: ("dead", UPDATE, Failure.http_400_org_not_found),
    32: ("dead", WITHDRAW, Failure.http_404_teacher_not_found),
    33: ("schedule", AWARD, Failure.http_500_html),
    34: ("dead", REGISTER, Failure.http_400_org_not_found),
    35: ("dead", RETRIEVE, Failure.poll_timeout),
    36: ("retry", UPDATE, Failure.http_500_html),
    37: ("dead", WITHDRAW, Failure.http_400_no_incomplete_itt),
    38: ("schedule", AWARD, Failure.http_404_teacher_not_found),
    39: ("dead", REGISTER, Failure.http_400_already_has_qts),
    40: ("schedule", RETRIEVE, Failure.http_404_teacher_not_found),
}

# Where the captured cases need a choice, the DQT side per trainee.
_CAPTURED_DQT: dict[int, DqtView] = {
    1: DqtView.dob_mismatch,
    21: DqtView.inactive,
    2: DqtView.inactive,
    17: DqtView.dob_mismatch,
    32: DqtView.dob_mismatch,
    18: DqtView.inactive,
    38: DqtView.dob_mismatch,
    7: DqtView.itt_failed,
    22: DqtView.itt_other_provider,
    37: DqtView.itt_inactive,
    5: DqtView.request_completed,
    35: DqtView.request_completed,
    20: DqtView.request_pending,
    15: DqtView.request_completed,
    30: DqtView.request_completed,
    6: DqtView.none,
    26: DqtView.request_completed,
}

# Memorable names for the trainees the playbook table points at.
_NAMES: dict[int, tuple[str, str]] = {
    1: ("Delia", "Birthwell"),
    5: ("Tobias", "Waitwell"),
    6: ("Nora", "Nowhere"),
    7: ("Walter", "Fallow"),
    8: ("Stella", "Stuckley"),
    11: ("Orson", "Unknownfield"),
    16: ("Fifi", "Hundred"),
    21: ("Ivo", "Dormant"),
    26: ("Tess", "Neverarrived"),
    41: ("Wanda", "Cleared"),
    42: ("Audrey", "Stuckworth"),
    43: ("Rory", "Racewell"),
    44: ("Rhea", "Raceford"),
    45: ("Bea", "Bothfailed"),
    46: ("Errol", "Mistakenly"),
    47: ("Ruth", "Routechange"),
    48: ("Dinah", "Discarded"),
    50: ("Gideon", "Gonerow"),
    51: ("Nina", "Notrn"),
}


def _captured_spec(trainee_id: int) -> TraineeSpec:
    set_name, job_class, failure = CAPTURED_FAILURES[trainee_id]
    job = JobSpec(
        set_name,
        job_class,
        failure,
        captured=True,
        trn_request_id=50000 + trainee_id if job_class == RETRIEVE else None,
    )
    routes = sorted(DQT_ERA_ROUTES)
    route = routes[trainee_id % len(routes)]
    base = TraineeSpec(
        id=trainee_id,
        state=S.draft,
        route=route,
        provider_id=1 + trainee_id % 5,
        dqt=DqtView.none,
        has_trn=False,
        trn_request_id=50000 + trainee_id,
        jobs=(job,),
    )
    dqt = _CAPTURED_DQT.get(trainee_id)

    if job_class == UPDATE and failure == Failure.missing_trn:
        on_dqt = dqt == DqtView.request_completed
        return replace(
            base,
            state=S.submitted_for_trn,
            dqt=dqt or DqtView.none,
            has_trn=False,
            trn_request=TrnRequestState.requested if on_dqt else TrnRequestState.failed,
            dqt_knows_request=on_dqt,
            submitted_days_ago=10,
            note=(
                "on DQT, but the TRN never arrived"
                if on_dqt
                else "not on DQT: the TRN request failed"
            ),
        )
    if job_class == UPDATE:
        return replace(
            base,
            state=S.trn_received,
            dqt=dqt or DqtView.in_training,
            has_trn=True,
            trn_request=TrnRequestState.received,
            institution=(
                UNKNOWN_TO_DQT_INSTITUTION
                if failure == Failure.http_400_org_not_found
                else None
            ),
        )
    if job_class == WITHDRAW:
        return replace(
            base,
            state=S.withdrawn,
            previous_state=S.trn_received,
            dqt=dqt or DqtView.in_training,
            has_trn=True,
            trn_request=TrnRequestState.received,
        )
    if job_class == AWARD:
        views = {
            Failure.http_400_no_qts_record: DqtView.status_cleared,
            Failure.http_400_no_incomplete_itt: DqtView.awarded,
        }
        return replace(
            base,
            state=S.recommended_for_award,
            dqt=dqt or views.get(failure, DqtView.in_training),
            has_trn=True,
            trn_request=TrnRequestState.received,
        )
    if job_class == REGISTER:
        views = {
            Failure.http_400_already_has_qts: DqtView.lookalike_with_qts,
        }
        return replace(
            base,
            state=S.submitted_for_trn,
            dqt=views.get(failure, DqtView.none),
            has_trn=False,
            trn_request=TrnRequestState.failed,
            dqt_knows_request=False,
            submitted_days_ago=3,
            institution=(
                UNKNOWN_TO_DQT_INSTITUTION
                if failure == Failure.http_400_org_not_found
                else None
            ),
        )
    # RetrieveTrnJob: polling for a TRN.
    timed_out = failure == Failure.poll_timeout
    unknown_request = failure == Failure.http_404_teacher_not_found
    return replace(
        base,
        state=S.submitted_for_trn,
        dqt=DqtView.none if unknown_request else (dqt or DqtView.request_completed),
        has_trn=False,
        trn_request=TrnRequestState.requested,
        dqt_knows_request=not unknown_request,
        submitted_days_ago=9 if timed_out else 1,
    )


def _playbook_extras() -> list[TraineeSpec]:
    """Trainees 41 to 51: cases the captured payloads do not show on their own."""

    return [
        TraineeSpec(
            41, S.awarded, R.school_direct_tuition_fee, 2, DqtView.status_cleared,
            True, TrnRequestState.received, 50041,
            note="awarded on Register by hand; DQT's QTS status cleared (withdrawn)",
            jobs=(JobSpec("dead", AWARD, Failure.http_400_no_qts_record, 30, 10),),
        ),
        TraineeSpec(
            42, S.recommended_for_award, R.provider_led_postgrad, 3, DqtView.awarded,
            True, TrnRequestState.received, 50042,
            note="DQT already shows the QTS date: award on Register's side",
            jobs=(JobSpec("dead", AWARD, Failure.http_400_no_incomplete_itt, 20, 10),),
        ),
        TraineeSpec(
            43, S.awarded, R.school_direct_salaried, 4, DqtView.awarded,
            True, TrnRequestState.received, 50043,
            note="update refused after the award; DQT and Register agree",
            jobs=(JobSpec("dead", UPDATE, Failure.http_400_already_has_qts, 26),),
        ),
        TraineeSpec(
            44, S.awarded, R.early_years_postgrad, 5, DqtView.awarded_name_differs,
            True, TrnRequestState.received, 50044,
            note="update refused after the award; DQT's last name differs",
            jobs=(JobSpec("dead", UPDATE, Failure.http_400_already_has_qts, 25),),
        ),
        TraineeSpec(
            45, S.recommended_for_award, R.pg_teaching_apprenticeship, 1,
            DqtView.in_training, True, TrnRequestState.received, 50045,
            note="failed update and failed award: re-run the update first",
            jobs=(
                JobSpec("dead", UPDATE, Failure.http_500_empty, 8),
                JobSpec("retry", AWARD, Failure.http_500_html, 7, 2),
            ),
        ),
        TraineeSpec(
            46, S.withdrawn, R.provider_led_postgrad, 2, DqtView.withdrawn,
            True, TrnRequestState.received, 50046, previous_state=S.trn_received,
            note="withdrawn in error; was TRN received",
        ),
        TraineeSpec(
            47, S.trn_received, R.provider_led_postgrad, 4, DqtView.in_training,
            True, TrnRequestState.received, 50047,
            note="should be school direct salaried (employed by Thornbury High)",
        ),
        TraineeSpec(
            48, S.trn_received, R.assessment_only, 3, DqtView.in_training,
            True, TrnRequestState.received, 50048, discarded=True,
            note="deleted in Register (discarded) but a job is still dead",
            jobs=(JobSpec("dead", UPDATE, Failure.http_500_empty, 40),),
        ),
        TraineeSpec(
            50, S.submitted_for_trn, R.opt_in_undergrad, 5, DqtView.request_completed,
            False, TrnRequestState.requested, 50950, submitted_days_ago=6,
            note="TRN re-requested: the job's TRN request row is gone",
            jobs=(
                JobSpec(
                    "dead", RETRIEVE, Failure.trn_request_not_found, 50,
                    trn_request_id=50050,
                ),
            ),
        ),
        TraineeSpec(
            51, S.submitted_for_trn, R.school_direct_tuition_fee, 1,
            DqtView.request_pending, False, TrnRequestState.requested, 50051,
            submitted_days_ago=2,
            note="no TRN yet: an update was sent without one",
            jobs=(JobSpec("dead", UPDATE, Failure.http_405_empty, 30),),
        ),
    ]  # fmt: skip


# A job for trainee 49, which does not exist in Register.
MISSING_TRAINEE_ID = 49
MISSING_TRAINEE_JOB = JobSpec("dead", UPDATE, Failure.trainee_not_found, 45)

FILLER_FIRST_ID = 101
FILLER_COUNT = 160


def _filler() -> list[TraineeSpec]:
    """Ordinary trainees: every state with every DQT-era route, plus routes 13, 14."""
    routes = sorted(DQT_ERA_ROUTES)
    states = list(TraineeState)
    specs = []
    for index in range(FILLER_COUNT):
        trainee_id = FILLER_FIRST_ID + index
        state = states[index % len(states)]
        route = routes[index % len(routes)]
        has_trn = state not in (S.draft, S.submitted_for_trn)
        on_dqt = state != S.draft
        specs.append(
            TraineeSpec(
                id=trainee_id,
                state=state,
                route=route,
                provider_id=1 + index % 5,
                dqt=DqtView.mirror if on_dqt else DqtView.none,
                has_trn=has_trn,
                trn_request=(
                    None
                    if not on_dqt
                    else TrnRequestState.received
                    if has_trn
                    else TrnRequestState.requested
                ),
                trn_request_id=60000 + trainee_id if on_dqt else None,
                submitted_days_ago=1 + (index * 37) % 400 if has_trn else 1,
                previous_state=(
                    (S.trn_received if index % 3 else S.deferred)
                    if state == S.withdrawn
                    else None
                ),
                hesa=index % 4 == 0,
                # Two fresh updates waiting on the queue, as on any working day.
                jobs=(
                    (JobSpec("queue", UPDATE, Failure.none, hours_ago=0.1),)
                    if state == S.trn_received and index < 10
                    else ()
                ),
            )
        )

    # The two routes outside the DQT era: drafts only, never sent to DQT.
    for offset, route in enumerate(
        (R.provider_led_postgrad_salaried, R.teacher_degree_apprenticeship)
    ):
        specs.append(
            TraineeSpec(
                id=FILLER_FIRST_ID + FILLER_COUNT + offset,
                state=S.draft,
                route=route,
                provider_id=1,
                dqt=DqtView.none,
                has_trn=False,
            )
        )
    return specs


def demo_trainees() -> list[TraineeSpec]:
    """Every demo trainee, in id order."""
    specs = [_captured_spec(trainee_id) for trainee_id in sorted(CAPTURED_FAILURES)]
    specs += _playbook_extras()
    specs += _filler()
    return sorted(specs, key=lambda spec: spec.id)


def _playbook_entry(case: str, trainee_id: int, note: str) -> PlaybookTrainee:
    if trainee_id == MISSING_TRAINEE_ID:
        return PlaybookTrainee(case, trainee_id, None, "(no such trainee)", note)
    first, last = _NAMES.get(
        trainee_id, (people.first_name(trainee_id), people.last_name(trainee_id))
    )
    return PlaybookTrainee(
        case, trainee_id, people.trainee_slug(trainee_id), f"{first} {last}", note
    )


_PLAYBOOK = (
    ("dqt_500_on_update", 16, "UpdateTraineeJob 500 (HTML page); DQT is fine now"),
    ("teacher_not_found_dob_mismatch", 1, "404 10001: DQT has day and month swapped"),
    ("teacher_not_found_inactive_trn", 21, "404 10001: DQT record inactive"),
    ("no_qts_record_10006", 41, "400 10006: awarded on Register, withdrawn on DQT"),
    ("no_incomplete_itt_award", 42, "400 10005 from the award job; DQT awarded"),
    ("no_incomplete_itt_withdraw", 7, "400 10005 from the withdraw job"),
    ("organisation_not_found", 11, "degree institution's UKPRN unknown to DQT"),
    ("already_has_qts_race_identical", 43, "QTS race; no differences"),
    ("already_has_qts_race_differs", 44, "EYTS race; last name differs"),
    ("update_and_award_failed", 45, "update and award both failed"),
    ("retrieve_trn_timeout", 5, "RetrieveTrnJob timed out; DQT has the TRN"),
    ("update_missing_trn_not_on_dqt", 6, "missing TRN; not on DQT"),
    ("update_missing_trn_on_dqt", 26, "missing TRN; on DQT, TRN never arrived"),
    ("withdrawn_in_error", 46, "withdrawn in error; previous state TRN received"),
    ("change_route", 47, "route must change to school direct salaried"),
    ("discarded_trainee_job", 48, "dead job for a discarded trainee"),
    ("trainee_missing", MISSING_TRAINEE_ID, "dead job for a trainee that is gone"),
    ("trn_request_row_gone", 50, "RetrieveTrnJob for a TRN request row that is gone"),
    ("no_trn_yet_405", 51, "update sent without a TRN: 405"),
)

# case -> trainee id and slug, for the tests and the TUI's demo.
PLAYBOOK_TRAINEES: dict[str, PlaybookTrainee] = {
    case: _playbook_entry(case, trainee_id, note)
    for case, trainee_id, note in _PLAYBOOK
}
