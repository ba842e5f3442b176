"""The trainee screen's data: the Register record in plain words, the timeline, the
trainee's jobs, the Register / DQT comparison and the fixes that apply.

Each part is loaded on its own so that one service being down leaves the others
shown: PostgreSQL gives the record and the timeline, Redis the jobs, DQT the
comparison.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services import playbook
from services.register import enums
from tui.views.text import day_text, days_ago, one_line, short_class

if TYPE_CHECKING:
    from services.register.trainees import TraineeRecord
    from services.sidekiq.jobs import FailedJob
    from triage.runtime import Connections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TraineeData:
    """What PostgreSQL gives: the record and the audit timeline."""

    record: TraineeRecord
    timeline: list[Any]


@dataclass(frozen=True)
class TraineeJob:
    job: FailedJob
    case_key: str
    case_title: str
    fixes: tuple[str, ...]
    error: str
    age: str
    # What the case is recognised by and what it means, for the detail below
    # the jobs table.
    signal: str = ""
    why: str = ""


@dataclass(frozen=True)
class TraineeJobs:
    jobs: list[TraineeJob]
    notes: list[str] = field(default_factory=list)
    # An ordered retry started from this app and still waiting for the update.
    plan_waiting: bool = False


# What an ordered retry's status means for the operator.
PLAN_WORDS = {
    "ready": "ordered retry prepared, not started",
    "update_waiting": "ordered retry: the update job is queued, the award is held",
    "update_running": "ordered retry: the update job is running, the award is held",
    "update_failed_again": (
        "ordered retry: the update job failed again; the award stays held"
    ),
    "update_done": (
        "ordered retry: the update went through; release the award now "
        "(f, 'Re-run update then award' again)"
    ),
    "award_released": "ordered retry: the award job was released",
    "update_gone": "ordered retry: the update job is no longer in Sidekiq",
}


# --- PostgreSQL ----------------------------------------------------------------------


def load_trainee_data(
    connections: Connections, trainee_id: int, *, today: date
) -> TraineeData | None:
    from services.register.audits import trainee_timeline
    from services.register.trainees import load_trainee

    with connections.engine.connect() as conn:
        record = load_trainee(conn, trainee_id=trainee_id, today=today)
        if record is None:
            return None
        timeline = trainee_timeline(conn, trainee_id)
    return TraineeData(record, list(timeline))


def institution_ukprns(institutions_path: Path | None) -> dict[str, Any]:
    """Degree institutions by id, or {} when no list is configured or readable."""
    from services.fixes.institutions import InstitutionsUnavailable, load_institutions

    try:
        return dict(load_institutions(institutions_path))
    except InstitutionsUnavailable as error:
        log.info("degree institutions list not used: %s", error)
        return {}


def heading(record: TraineeRecord) -> str:
    parts = [record.full_name, record.state_label]
    if record.trn:
        parts.append(f"TRN {record.trn}")
    parts.append(f"slug {record.slug}")
    if record.discarded:
        parts.append("DELETED in Register")
    return " · ".join(parts)


def record_lines(
    record: TraineeRecord, *, institutions: dict[str, Any]
) -> list[tuple[str, str]]:
    """Register's record in plain words, as (label, value) lines."""
    columns = record.columns
    lines = [
        ("Name", record.full_name),
        ("State", record.state_label),
        ("Route", f"{record.route_label} ({record.award_type})"),
        ("TRN", record.trn or "none yet"),
        ("Born", day_text(record.date_of_birth)),
        ("Email", record.email or "not set"),
    ]
    provider = record.provider
    if provider is not None:
        lines.append(
            ("Provider", f"{provider.name} (UKPRN {provider.ukprn or 'none'})")
        )
    else:
        lines.append(("Provider", "none"))
    lines += [
        ("ITT start", day_text(columns.get("itt_start_date"))),
        ("ITT end", day_text(columns.get("itt_end_date"))),
        ("Submitted", day_text(columns.get("submitted_for_trn_at"))),
        ("Recommended", day_text(columns.get("recommended_for_award_at"))),
        ("Awarded", day_text(columns.get("awarded_at"))),
    ]
    if columns.get("withdraw_date"):
        lines.append(("Withdrawn", day_text(columns.get("withdraw_date"))))
    if columns.get("defer_date"):
        lines.append(("Deferred", day_text(columns.get("defer_date"))))
    if record.discarded:
        lines.append(("Deleted", day_text(record.discarded_at)))

    request = record.trn_request
    if request is not None:
        waiting = request.days_waiting
        wait = f", {waiting} days waiting" if waiting is not None else ""
        lines.append(
            ("TRN request", f"{request.state_label}{wait} ({request.request_id})")
        )
    else:
        lines.append(("TRN request", "none"))

    for number, degree in enumerate(record.degrees, start=1):
        label = "Degree" if number == 1 else f"Degree {number}"
        found = institutions.get(degree.institution_uuid or "")
        ukprn = getattr(found, "ukprn", None)
        where = degree.institution or "no institution"
        where += f" (UKPRN {ukprn})" if ukprn else " (UKPRN not in the list)"
        kind = degree.type_name or "degree"
        year = degree.graduation_year or "?"
        sent = ", sent to DQT" if number == 1 else ""
        lines.append((label, f"{kind}, {degree.subject or '?'}, {year}: {where}{sent}"))
    if not record.degrees:
        lines.append(("Degree", "none"))
    return lines


def timeline_lines(entries: list[Any]) -> list[tuple[str, str, str]]:
    """(when, what, detail) for each timeline event, newest first."""
    shown = []
    ordered = sorted(entries, key=lambda e: e.at or datetime.min, reverse=True)
    for entry in ordered:
        when = f"{entry.at:%Y-%m-%d %H:%M}" if entry.at else "?"
        who = entry.username or "unknown user"
        what = f"{entry.title} — {who}"
        if not entry.shown_in_register:
            what += f" (hidden in Register: {entry.hidden_reason})"
        details = list(entry.lines)
        details += comment_lines(entry.comment)
        shown.append((when, what, "\n".join(details)))
    return shown


COMMENT_LABEL = "comment: "


def comment_lines(comment: str | None) -> list[str]:
    """An audit comment line by line: the operator's words, then (for a fix on
    jobs) one line per job step; later lines start under the first's text."""
    lines = [line.strip() for line in (comment or "").splitlines() if line.strip()]
    indent = " " * len(COMMENT_LABEL)
    return [
        f"{COMMENT_LABEL if n == 0 else indent}{one_line(line, 300)}"
        for n, line in enumerate(lines)
    ]


# --- Redis ---------------------------------------------------------------------------


def load_trainee_jobs(
    connections: Connections, trainee_id: int, *, now: datetime
) -> TraineeJobs:
    """This trainee's entries in the dead, retry and schedule sets and the queues."""
    from services.sidekiq.reader import read_snapshot
    from services.sidekiq.resolve import group_by_trainee, resolve_jobs

    snapshot = read_snapshot(connections.redis, include_queues=True)
    jobs = snapshot.all_jobs
    resolutions = resolve_jobs(connections.engine, jobs)
    mine: list[FailedJob] = []
    for group in group_by_trainee(jobs, resolutions):
        if group.trainee_id == trainee_id:
            mine = list(group.jobs)
            break
    rows = []
    for job, found in zip(mine, playbook.classify_among(mine), strict=True):
        moment = job.last_failure_at or job.score_time or job.enqueued_at
        rows.append(
            TraineeJob(
                job=job,
                case_key=found.key,
                case_title=found.case.title,
                fixes=found.case.fixes,
                error=one_line(found.error_summary, 400),
                age=days_ago(moment, now),
                signal=found.signal,
                why=found.case.explanation,
            )
        )
    notes = playbook.trainee_notes(mine)
    waiting = False
    plan = _started_plan(trainee_id)
    if plan is not None:
        status = plan.check(connections.redis)
        notes.append(PLAN_WORDS.get(status, f"ordered retry: {status}"))
        waiting = status in ("update_waiting", "update_running")
    return TraineeJobs(rows, notes, waiting)


def _started_plan(trainee_id: int) -> Any:
    from services.fixes.ordered_retry import started_plan

    return started_plan(trainee_id)


def job_label(item: TraineeJob) -> str:
    return f"{short_class(item.job.job_class)} ({item.job.where})"


def job_detail_lines(item: TraineeJob) -> list[tuple[str, str]]:
    """One job of the trainee in full, as (label, text) pairs."""
    job = item.job
    fixes = ", ".join(fix.replace("_", " ") for fix in item.fixes) or "none"
    case = f"{item.case_title} — {item.signal}" if item.signal else item.case_title
    return [
        ("Job", f"{job.job_class or '(unknown class)'} in {job.where}, {item.age}"),
        ("jid", job.jid or "(none)"),
        ("Error", item.error or "none recorded"),
        ("Case", case),
        ("Why", item.why),
        ("Fixes", fixes),
    ]


def jobs_widths(width: int) -> tuple[int, int, int, int]:
    """Job, Case, Age and Error column widths that fill `width` cells."""
    job, age = 22, 5
    spare = max(20, width - job - age - 4 * 2)
    case = min(30, spare // 2)
    return job, case, age, spare - case


# --- the fixes that apply ------------------------------------------------------------

# Fixes offered by the trainee's state, beside those of its jobs' playbook cases.
_BY_STATE: dict[enums.TraineeState, tuple[str, ...]] = {
    enums.TraineeState.submitted_for_trn: (
        "record_trn",
        "restart_trn_polling",
        "reregister_for_trn",
    ),
    enums.TraineeState.recommended_for_award: ("award_on_register",),
    enums.TraineeState.withdrawn: ("unwithdraw",),
    enums.TraineeState.awarded: ("reverse_award",),
}
_ALWAYS = ("edit_field", "align_date_of_birth", "change_route", "degree_ukprn_lookup")
# Fixes that act on one job: offered from the jobs table, not here.
JOB_FIXES = frozenset({"retry", "delete_job"})


def fixes_that_apply(record: TraineeRecord, jobs: TraineeJobs | None) -> list[str]:
    names: list[str] = []
    mine = [item.job for item in jobs.jobs] if jobs is not None else []
    plan = _started_plan(int(record.columns["id"]))
    # Once started here, the same fix chosen again releases the award.
    started = plan is not None and plan.status != "award_released"
    if playbook.needs_ordered_retry(mine) or started:
        names.append("ordered_retry")
    if jobs is not None:
        for item in jobs.jobs:
            names += [name for name in item.fixes if name not in JOB_FIXES]
    state = record.state_member
    if state is not None:
        names += _BY_STATE.get(state, ())
    names += _ALWAYS
    return list(dict.fromkeys(names))


# --- DQT -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    register: str
    dqt: str
    mark: str  # "✓", "✗" or "" when it cannot be compared
    note: str


@dataclass(frozen=True)
class ComparisonView:
    outcome: str
    headline: str
    rows: list[ComparisonRow]
    failed: bool  # DQT did not answer: the pane offers a retry


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


FAILED_OUTCOMES = frozenset({"dqt_unavailable", "dqt_error"})


def comparison_view(comparison: Any) -> ComparisonView:
    """The service's comparison as rows: field, Register, DQT, mark, note."""
    # When DQT was not compared every row carries the same note; the headline
    # says it once.
    unanswered = f"not compared: {comparison.message}"
    rows = []
    for item in comparison.fields:
        matches = item.matches
        mark = "" if matches is None else ("✓" if matches else "✗")
        note = "" if item.note == unanswered else item.note or ""
        rows.append(
            ComparisonRow(item.label, _text(item.register), _text(item.dqt), mark, note)
        )
    outcome = str(comparison.outcome)
    message = comparison.message or outcome.replace("_", " ")
    headline = _sentence(message)
    if comparison.itt_note:
        headline += f"\n{_sentence(comparison.itt_note)}"
    return ComparisonView(outcome, headline, rows, outcome in FAILED_OUTCOMES)


# Each DataTable column is padded by one cell on either side.
CELL_PADDING = 2
# Below this the Note column would wrap every note into a tall row: the notes are
# listed above the table instead.
NOTE_COLUMN_MIN = 30
VALUE_COLUMN_MIN = 10


@dataclass(frozen=True)
class CompareWidths:
    field: int
    register: int
    dqt: int
    note: int | None  # None: no Note column, the notes are listed apart


def compare_widths(rows: list[ComparisonRow], width: int) -> CompareWidths:
    """Column widths that fit `width` cells. Values are never cut: when the
    Register and DQT columns must be narrower than their longest value, the
    value wraps inside its cell; the notes get a column only when there is room
    for them, else they are listed apart in full."""
    field = max([len("Field"), *(len(row.label) for row in rows)])
    register = max([len("Register"), *(len(row.register) for row in rows)])
    dqt = max([len("DQT"), *(len(row.dqt) for row in rows)])
    fixed = field + 1 + 4 * CELL_PADDING  # the field, the mark and every padding
    spare = width - fixed

    if register + dqt > spare:
        # Share what is left in proportion to the longest value on each side.
        wanted = register + dqt
        register = max(VALUE_COLUMN_MIN, spare * register // wanted)
        dqt = max(VALUE_COLUMN_MIN, spare - register)
        return CompareWidths(field, register, dqt, None)

    room = spare - register - dqt - CELL_PADDING
    has_notes = any(row.note for row in rows)
    note = room if has_notes and room >= NOTE_COLUMN_MIN else None
    return CompareWidths(field, register, dqt, note)
