"""The support playbook as data: which case a failed DQT job is, and what fixes it.

Each `PlaybookCase` holds the signal that identifies it, the playbook's explanation
in plain words, the fixes on offer (names of modules in `services/fixes/`) and
whether the trainee's live DQT record must be compared with Register before acting.
`classify(job)` matches one job to a case from its job class and its error as read
by `dqt.errors`; an error the playbook does not describe is "unclassified" and its
raw text is shown, never guessed at. Facts: ../shared/domain/support-playbook.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from dqt.errors import ParsedJobError

UPDATE_JOB = "Dqt::UpdateTraineeJob"
AWARD_JOB = "Dqt::RecommendForAwardJob"
WITHDRAW_JOB = "Dqt::WithdrawTraineeJob"
REGISTER_JOB = "Dqt::RegisterForTrnJob"
RETRIEVE_TRN_JOB = "Dqt::RetrieveTrnJob"

# Sets in which a job has failed (a queued job has not, or not yet again).
_FAILED_SETS = frozenset({"dead", "retry", "schedule"})


class JobLike(Protocol):
    """What classification reads from a job (a `services.sidekiq.jobs.FailedJob`)."""

    @property
    def where(self) -> str: ...
    @property
    def readable(self) -> bool: ...
    @property
    def parse_error(self) -> str | None: ...
    @property
    def problems(self) -> tuple[str, ...]: ...
    @property
    def job_class(self) -> str | None: ...
    @property
    def error_class(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...
    @property
    def error_signal(self) -> ParsedJobError | None: ...
    @property
    def exception_executions(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class PlaybookCase:
    key: str
    title: str
    signal: str
    explanation: str
    fixes: tuple[str, ...]
    needs_dqt_comparison: bool
    retry_advised: bool = True


def _case(
    key: str,
    title: str,
    signal: str,
    explanation: str,
    fixes: tuple[str, ...],
    *,
    dqt: bool,
    retry_advised: bool = True,
) -> PlaybookCase:
    return PlaybookCase(key, title, signal, explanation, fixes, dqt, retry_advised)


CASES: dict[str, PlaybookCase] = {
    case.key: case
    for case in (
        _case(
            "dqt_500",
            "DQT server error (500)",
            "HTTP 500 (or another 5xx) from DQT",
            "A fault on DQT's side. Re-running the job usually works; if it keeps "
            "failing, speak with DQT about the trainee.",
            ("retry",),
            dqt=False,
        ),
        _case(
            "teacher_not_found_10001",
            "TRN not found on DQT (10001)",
            "HTTP 404 with errorCode 10001",
            "DQT found no teacher for the TRN and date of birth sent. Usually the "
            "date of birth differs between Register and DQT, or the TRN is inactive "
            "on DQT. Work out which with DQT, align the date of birth, re-run.",
            ("align_date_of_birth", "retry"),
            dqt=True,
        ),
        _case(
            "no_qts_record_10006",
            "Teacher has no QTS record (10006)",
            "HTTP 400 with errorCode 10006",
            "The trainee's state differs between DQT and Register (seen when DQT "
            "has the trainee withdrawn while Register has them awarded). Check for "
            "existing comms about the trainee and ask the provider which is right.",
            ("reverse_award", "retry"),
            dqt=True,
            retry_advised=False,
        ),
        _case(
            "no_incomplete_itt_award",
            "No incomplete ITT record, award job (10005)",
            "HTTP 400 with errorCode 10005 from Dqt::RecommendForAwardJob",
            "DQT has no open training record to award, so the trainee may be stuck "
            "in recommended for award. If DQT matches Register (details, provider), "
            "award the trainee on Register's side; if in doubt, ask the provider.",
            ("award_on_register",),
            dqt=True,
            retry_advised=False,
        ),
        _case(
            "no_incomplete_itt_withdraw",
            "No incomplete ITT record, withdraw job (10005)",
            "HTTP 400 with errorCode 10005 from Dqt::WithdrawTraineeJob",
            "DQT has no open training record to withdraw. Cross-check with DQT and, "
            "if needed, the provider to find which state the trainee should be in.",
            ("unwithdraw", "delete_job"),
            dqt=True,
            retry_advised=False,
        ),
        _case(
            "organisation_not_found",
            "Degree organisation not found on DQT",
            'HTTP 400 with "qualification.providerUkprn": "Organisation not found"',
            "DQT has no organisation with the UKPRN sent for the trainee's degree "
            "institution. Look up the institution's UKPRN, send it with the "
            "institution's details to DQT, and re-run once they have added it.",
            ("degree_ukprn_lookup", "retry"),
            dqt=False,
            retry_advised=False,
        ),
        _case(
            "already_has_qts_race",
            "Update refused: QTS/EYTS already on DQT",
            'HTTP 400 with "initialTeacherTraining.programmeType": '
            '"Teacher already has QTS/EYTS date"',
            "Likely a race: the award reached DQT before this update. Compare "
            "Register with DQT; with no differences, delete the failed update job; "
            "with differences, speak to DQT (and maybe the provider).",
            ("delete_job",),
            dqt=True,
            retry_advised=False,
        ),
        _case(
            "trn_request_already_qualified",
            "TRN request refused: person already has QTS/EYTS on DQT",
            'HTTP 400 with "Teacher already has QTS/EYTS date" from '
            "Dqt::RegisterForTrnJob",
            "DQT refused to create a TRN because it already holds a person with "
            "QTS or EYTS matching the trainee: likely a duplicate person or a "
            "returning teacher. This is not the award/update race. Compare the "
            "trainee with DQT's find, ask the DQT team which record is right, and "
            "delete the job only with what they said as the reason.",
            ("delete_job",),
            dqt=True,
            retry_advised=False,
        ),
        _case(
            "retrieve_trn_timeout",
            "TRN polling timed out",
            "Dqt::RetrieveTrnJob ... has timed out after N days",
            "DQT has not assigned a TRN within the polling window (four days from "
            "submitted for TRN). Ask DQT why; if there is no issue, start a new "
            "polling job with a timeout in the future.",
            ("restart_trn_polling",),
            dqt=False,
            retry_advised=False,
        ),
        _case(
            "update_missing_trn",
            "Update without a TRN",
            "Dqt::TraineeUpdate::TraineeUpdateMissingTrn",
            "Register tried to update DQT before it had a TRN. If DQT has issued "
            "the TRN, record it; if the trainee is on DQT but the TRN never "
            "arrived, start polling again; only if DQT does not have the trainee, "
            "register them again (otherwise a duplicate person).",
            ("record_trn", "restart_trn_polling", "reregister_for_trn"),
            dqt=True,
            retry_advised=False,
        ),
        _case(
            "no_trn_yet_405",
            "No TRN yet (pending TRN)",
            "HTTP 405 from Dqt::UpdateTraineeJob",
            "The update was sent before the trainee had a TRN, so the request had "
            "no TRN in its address. Delete the job; the trainee's data is sent "
            "once the TRN arrives (see pending TRNs).",
            ("delete_job",),
            dqt=False,
            retry_advised=False,
        ),
        _case(
            "trainee_missing",
            "Trainee no longer exists",
            "ActiveJob::DeserializationError (record not found)",
            "The record the job points at was deleted, so the job cannot run. "
            "Delete it.",
            ("delete_job",),
            dqt=False,
            retry_advised=False,
        ),
        _case(
            "unreadable",
            "Unreadable entry",
            "the stored member is not a JSON object",
            "Sidekiq cannot run this entry and it cannot be rebuilt faithfully. It "
            "can only be deleted (by its exact bytes).",
            ("delete_job",),
            dqt=False,
            retry_advised=False,
        ),
        _case(
            "malformed",
            "Entry without class or args",
            "JSON without `class` or `args`",
            "Sidekiq cannot run a job without a class or arguments. It can only be "
            "deleted.",
            ("delete_job",),
            dqt=False,
            retry_advised=False,
        ),
        _case(
            "activejob_retrying",
            "Retrying (ActiveJob)",
            "scheduled ActiveJob retry: exception_executions, no error text",
            "ActiveJob's retry_on has scheduled another attempt; Sidekiq keeps no "
            "error text for it, only which exception it counted. It runs by itself.",
            (),
            dqt=False,
        ),
        _case(
            "unclassified",
            "Unclassified",
            "an error the playbook does not describe",
            "The playbook does not describe this error. Read the raw error below.",
            (),
            dqt=False,
            retry_advised=False,
        ),
    )
}


@dataclass(frozen=True)
class Classification:
    """The case a job is, the concrete signal seen in it, and its error in one line."""

    case: PlaybookCase
    signal: str
    error_summary: str

    @property
    def key(self) -> str:
        return self.case.key


def classify(job: JobLike) -> Classification:
    """The playbook case of one job; never raises."""
    if not job.readable:
        return Classification(CASES["unreadable"], job.parse_error or "", "")
    if job.problems:
        return Classification(CASES["malformed"], ", ".join(job.problems), "")

    parsed = job.error_signal
    if parsed is None:
        return _without_error(job)

    # Jobs that failed the same way share one reading of their error (see
    # FailedJob.error_signal), so their classification is shared too. The memo
    # holds the reading itself, so its id cannot be reused while the entry lives.
    memo_key = (job.job_class, job.error_class, id(parsed))
    found = _memo.get(memo_key)
    if found is not None and found[0] is parsed:
        return found[1]
    result = _classify_error(job, parsed)
    if len(_memo) >= _MEMO_LIMIT:
        _memo.clear()
    _memo[memo_key] = (parsed, result)
    return result


_MEMO_LIMIT = 4096
_memo: dict[
    tuple[str | None, str | None, int], tuple[ParsedJobError, Classification]
] = {}


def _classify_error(job: JobLike, parsed: ParsedJobError) -> Classification:
    summary = parsed.summary
    job_class = job.job_class

    if parsed.kind == "http" and parsed.status is not None:
        found = _http_case(job_class, parsed)
        if found is not None:
            return Classification(found[0], found[1], summary)
    elif parsed.kind == "missing_trn":
        case = CASES["update_missing_trn"]
        return Classification(case, job.error_class or "", summary)
    elif parsed.kind == "poll_timeout" and job_class == RETRIEVE_TRN_JOB:
        case = CASES["retrieve_trn_timeout"]
        return Classification(case, "polling timeout", summary)
    elif parsed.kind == "deserialization":
        case = CASES["trainee_missing"]
        return Classification(case, job.error_class or "", summary)

    shown = summary or (job.error_message or "")[:160]
    return Classification(CASES["unclassified"], job.error_class or "", shown)


def _http_case(
    job_class: str | None, parsed: ParsedJobError
) -> tuple[PlaybookCase, str] | None:
    status = parsed.status or 0
    code = parsed.error_code
    signal = f"HTTP {status}" + (f", errorCode {code}" if code is not None else "")

    if status >= 500:
        return CASES["dqt_500"], signal
    if status == 404 and code == 10001:
        return CASES["teacher_not_found_10001"], signal
    if status == 405 and job_class == UPDATE_JOB:
        return CASES["no_trn_yet_405"], signal
    if status != 400:
        return None

    if code == 10006:
        return CASES["no_qts_record_10006"], signal
    if code == 10005 and job_class == AWARD_JOB:
        return CASES["no_incomplete_itt_award"], signal
    if code == 10005 and job_class == WITHDRAW_JOB:
        return CASES["no_incomplete_itt_withdraw"], signal
    if _has_validation(parsed, "qualification.providerUkprn", "Organisation not found"):
        return CASES["organisation_not_found"], "qualification.providerUkprn"
    if _has_validation(
        parsed, "initialTeacherTraining.programmeType", "already has QTS/EYTS"
    ):
        # A TRN request refused this way is a person DQT already has, not a race.
        key = (
            "trn_request_already_qualified"
            if job_class == REGISTER_JOB
            else "already_has_qts_race"
        )
        return CASES[key], "initialTeacherTraining.programmeType"
    return None


def _has_validation(parsed: ParsedJobError, field: str, words: str) -> bool:
    for key, messages in parsed.errors.items():
        if key.lower() == field.lower() and any(words in text for text in messages):
            return True
    return False


def _without_error(job: JobLike) -> Classification:
    # A scheduled ActiveJob retry stores no error text, only which exceptions it
    # counted; say so rather than pretend to know the HTTP status.
    counted = job.exception_executions
    if counted:
        signal = ", ".join(f"{name} x{times}" for name, times in counted.items())
        case = CASES["activejob_retrying"]
        return Classification(case, signal, f"retrying after {signal}")
    case = CASES["unclassified"]
    if job.where in _FAILED_SETS:
        return Classification(case, "no error recorded", "(no error recorded)")
    return Classification(case, "queued, not failed", "(queued)")


# --- rules about a trainee's jobs taken together -----------------------------


def has_failed(job: JobLike) -> bool:
    return job.where in _FAILED_SETS and (
        job.error_class is not None or bool(job.exception_executions)
    )


def needs_ordered_retry(jobs: Iterable[JobLike]) -> bool:
    """True when one trainee has both a failed update job and a failed award job."""
    classes = {job.job_class for job in jobs if has_failed(job)}
    return UPDATE_JOB in classes and AWARD_JOB in classes


ORDERED_RETRY = "ordered_retry"


def _trainee_of(job: JobLike) -> object | None:
    # FailedJob.target (a GlobalIdRef); other job-likes may not have one.
    return getattr(job, "target", None)


def classify_among(jobs: Sequence[JobLike]) -> list[Classification]:
    """`classify` of each job, knowing the other jobs of the same trainee.

    An award job whose trainee also has a failed update job offers the ordered
    retry first (re-run the update, then the award) and no longer advises a
    plain retry: DQT refuses every update once it has awarded.
    """
    found = [classify(job) for job in jobs]
    by_trainee: dict[object, list[JobLike]] = {}
    for job in jobs:
        target = _trainee_of(job)
        if target is not None:
            by_trainee.setdefault(target, []).append(job)
    ordered = {key for key, mine in by_trainee.items() if needs_ordered_retry(mine)}
    if not ordered:
        return found

    result = []
    for job, classification in zip(jobs, found, strict=True):
        if job.job_class == AWARD_JOB and _trainee_of(job) in ordered:
            classification = with_ordered_retry_first(classification)
        result.append(classification)
    return result


def with_ordered_retry_first(classification: Classification) -> Classification:
    """The same case offering `ordered_retry` first and not advising a retry."""
    case = classification.case
    rest = tuple(name for name in case.fixes if name != ORDERED_RETRY)
    case = replace(case, fixes=(ORDERED_RETRY, *rest), retry_advised=False)
    return replace(classification, case=case)


def trainee_notes(jobs: Iterable[JobLike]) -> list[str]:
    """Playbook rules that concern a trainee's jobs together, in plain words."""
    jobs = list(jobs)
    notes = []
    if needs_ordered_retry(jobs):
        notes.append(
            "Failed update and award jobs: re-run the update job first. Once DQT "
            "has awarded the trainee it refuses updates (ordered retry)."
        )
    return notes
