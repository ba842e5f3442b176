"""The failed-jobs screen's data: playbook cases with counts, one row per job.

Loaded in one go in a thread worker: the three sorted sets read once, each job
classified by the playbook and resolved to its trainee with one query per batch
(the services do both); filtering afterwards is in memory and instant.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from services import playbook
from services.playbook import Classification
from services.sidekiq.jobs import FailedJob
from services.sidekiq.resolve import Resolution
from tui.views.text import ago, days_ago, one_line, short_class

if TYPE_CHECKING:
    from triage.runtime import Connections

log = logging.getLogger(__name__)

ALL_CASES = "all"
ALL_CLASSES = "all"


@dataclass(frozen=True)
class TraineeLabel:
    """Who a job is about, as the list shows it."""

    trainee_id: int | None
    name: str
    slug: str = ""
    trn: str = ""
    state: str = ""
    # "trainee not found", "trainee discarded", "TRN request row gone" ...
    problem: str | None = None
    # Deleted in Register (discarded): its jobs fail again if retried.
    discarded: bool = False


@dataclass(frozen=True)
class JobRow:
    key: str
    job: FailedJob
    classification: Classification
    trainee: TraineeLabel
    entries: int
    error_short: str
    age: str
    search_text: str


@dataclass(frozen=True)
class CaseCount:
    key: str
    title: str
    count: int


@dataclass
class FailedJobsData:
    rows: list[JobRow]
    cases: list[CaseCount]
    job_classes: list[str]
    read_at: datetime
    notes: dict[int, list[str]] = field(default_factory=dict)
    # The header's dead-set figure from the same read as the rows.
    dead_set: str | None = None
    # (service, detail) when the jobs were read but their trainees could not be
    # looked up: the list still shows, its trainees unnamed.
    unresolved: tuple[str, str] | None = None


def is_failed(job: FailedJob) -> bool:
    """Dead and retry entries always; scheduled ones only when they are retries."""
    if job.where in ("dead", "retry"):
        return True
    return job.where == "schedule" and playbook.has_failed(job)


def error_short(job: FailedJob) -> str:
    """`404 10001`, `500`, `no TRN`, `timeout`: the error in a few characters."""
    parsed = job.error_signal
    if not job.readable:
        return "unreadable"
    if parsed is None:
        return "retrying" if job.exception_executions else "-"
    if parsed.kind == "http" and parsed.status is not None:
        code = f" {parsed.error_code}" if parsed.error_code is not None else ""
        return f"{parsed.status}{code}"
    return {
        "missing_trn": "no TRN",
        "poll_timeout": "timed out",
        "deserialization": "no record",
    }.get(parsed.kind, parsed.kind)


# A few words per case, after the HTTP status in the list's Error column: two
# 400s (an unknown organisation, the award race) must not look alike at 80 columns.
CASE_WORDS = {
    "dqt_500": "server error",
    "teacher_not_found_10001": "TRN not found",
    "no_qts_record_10006": "no QTS record",
    "no_incomplete_itt_award": "no open ITT",
    "no_incomplete_itt_withdraw": "no open ITT",
    "organisation_not_found": "Org not found",
    "already_has_qts_race": "has QTS",
    "trn_request_already_qualified": "has QTS",
    "no_trn_yet_405": "no TRN yet",
}


def error_label(job: FailedJob, case_key: str) -> str:
    """`400 Org not found`: the status and the case in a few words, when both
    are known; otherwise `error_short`."""
    short = error_short(job)
    parsed = job.error_signal
    words = CASE_WORDS.get(case_key)
    if words and parsed is not None and parsed.kind == "http" and parsed.status:
        return f"{parsed.status} {words}"
    return short


def _job_moment(job: FailedJob) -> datetime | None:
    return job.last_failure_at or job.score_time


def load_failed_jobs(connections: Connections, *, now: datetime) -> FailedJobsData:
    from services.sidekiq.reader import read_snapshot, snapshot_dead_set_health
    from services.sidekiq.resolve import resolution_of
    from tui.failures import explain
    from tui.health import dead_set_text

    snapshot = read_snapshot(connections.redis, include_queues=False)
    jobs = [job for job in snapshot.failed if is_failed(job)]
    unresolved = None
    try:
        labels = resolve_trainees(connections, jobs)
    except Exception as error:  # noqa: BLE001 - Redis answered: list the jobs anyway
        unresolved = explain(error, "looking up the failed jobs' trainees")
        labels = [label_of(resolution_of(job, {})) for job in jobs]
    data = build(jobs, labels, now=now, read_at=snapshot.read_at)
    data.unresolved = unresolved
    # Aged by the app's clock, as the header's own read is.
    health = replace(snapshot_dead_set_health(snapshot), checked_at=now)
    data.dead_set = dead_set_text(health)
    return data


def build(
    jobs: list[FailedJob],
    labels: list[TraineeLabel],
    *,
    now: datetime,
    read_at: datetime,
) -> FailedJobsData:
    # Classified together: an award job whose trainee's update job also failed
    # offers the ordered retry first (the playbook's rule about a trainee's jobs).
    classifications = playbook.classify_among(jobs)
    per_trainee = Counter(
        label.trainee_id for label in labels if label.trainee_id is not None
    )

    rows = []
    keys_used: Counter[str] = Counter()
    for index, (job, found, label) in enumerate(
        zip(jobs, classifications, labels, strict=True)
    ):
        # Keyed by jid, not position: a reload keeps the same job highlighted
        # even when jobs above it have gone.
        base_key = job.jid or f"entry {index}"
        keys_used[base_key] += 1
        key = (
            base_key
            if keys_used[base_key] == 1
            else f"{base_key}#{keys_used[base_key]}"
        )
        entries = per_trainee[label.trainee_id] if label.trainee_id is not None else 1
        words = [
            label.name,
            label.slug,
            label.trn,
            job.jid or "",
            job.job_class or "",
            found.case.title,
            found.error_summary,
        ]
        rows.append(
            JobRow(
                key=key,
                job=job,
                classification=found,
                trainee=label,
                entries=entries,
                error_short=error_label(job, found.key),
                age=days_ago(_job_moment(job), now),
                search_text=" ".join(words).lower(),
            )
        )

    counts = Counter(row.classification.key for row in rows)
    cases = [CaseCount(ALL_CASES, "All failed jobs", len(rows))]
    cases += [
        CaseCount(key, case.title, counts[key])
        for key, case in playbook.CASES.items()
        if counts[key]
    ]
    classes = sorted({row.job.job_class or "(unknown)" for row in rows})
    notes = _trainee_notes(rows)
    log.info("failed jobs view: %d rows, %d cases", len(rows), len(cases) - 1)
    return FailedJobsData(rows, cases, classes, read_at, notes)


def _trainee_notes(rows: list[JobRow]) -> dict[int, list[str]]:
    by_trainee: dict[int, list[FailedJob]] = {}
    for row in rows:
        if row.trainee.trainee_id is not None:
            by_trainee.setdefault(row.trainee.trainee_id, []).append(row.job)
    notes = {}
    for trainee_id, jobs in by_trainee.items():
        found = playbook.trainee_notes(jobs)
        if found:
            notes[trainee_id] = found
    return notes


def filter_rows(
    rows: list[JobRow], *, case: str, job_class: str, text: str
) -> list[JobRow]:
    words = text.lower().split()
    return [
        row
        for row in rows
        if (case == ALL_CASES or row.classification.key == case)
        and (
            job_class == ALL_CLASSES or (row.job.job_class or "(unknown)") == job_class
        )
        and all(word in row.search_text for word in words)
    ]


def resolve_trainees(
    connections: Connections, jobs: list[FailedJob]
) -> list[TraineeLabel]:
    """Each job's trainee, found by the jobs service in one query for the batch."""
    from services.sidekiq.resolve import resolution_of, resolve_jobs

    resolutions = resolve_jobs(connections.engine, jobs)
    return [label_of(resolution_of(job, resolutions)) for job in jobs]


def label_of(resolution: Resolution) -> TraineeLabel:
    trainee = resolution.trainee
    problem = None if resolution.status == "found" else resolution.note
    if trainee is None:
        trainee_id = None
        if resolution.target is not None and resolution.status == "trainee_not_found":
            name = f"(trainee {resolution.target.id} not found)"
        elif resolution.target is not None and resolution.status == "not_checked":
            name = f"({resolution.target}, not looked up)"
        elif resolution.target is not None:
            name = f"({resolution.target})"
        else:
            name = "(no record argument)"
        return TraineeLabel(trainee_id, name, problem=problem)
    return TraineeLabel(
        trainee_id=trainee.id,
        name=trainee.name or f"(trainee {trainee.id}, no name)",
        slug=trainee.slug,
        trn=trainee.trn or "",
        state=trainee.state_label,
        problem=problem,
        discarded=resolution.status == "discarded",
    )


# What a discarded trainee's job can have done to it: a retry runs against a
# deleted record and fails again, so only deleting the job is offered.
DISCARDED_FIXES = ("delete_job",)


def fixes_offered(row: JobRow) -> list[str]:
    """The fixes the list offers for a job: the case's, then retry and delete."""
    if row.trainee.discarded:
        return list(DISCARDED_FIXES)
    names = list(row.classification.case.fixes)
    names += [extra for extra in ("retry", "delete_job") if extra not in names]
    return names


def detail_lines(
    row: JobRow, *, now: datetime, notes: list[str]
) -> list[tuple[str, str]]:
    """The detail pane as (label, text) pairs, in reading order."""
    job = row.job
    trainee = row.trainee
    found = row.classification
    who = trainee.name
    if trainee.slug:
        who += f" · slug {trainee.slug}"
    if trainee.trn:
        who += f" · TRN {trainee.trn}"
    if trainee.state:
        who += f" · {trainee.state}"
    lines = [("Trainee", who)]
    if trainee.problem:
        lines.append(("Problem", trainee.problem))
    lines.append(("Jobs", f"{row.entries} failed for this trainee"))
    when = _job_moment(job)
    where = f"{job.job_class or '(unknown class)'} in {job.where}"
    if when is not None:
        where += f", failed {ago(when, now)} ({when:%Y-%m-%d %H:%M} UTC)"
    lines.append(("Job", where))
    lines.append(("jid", job.jid or "(none)"))
    lines.append(("Error", one_line(found.error_summary or job.parse_error or "", 400)))
    lines.append(("Case", f"{found.case.title} — {found.signal}"))
    lines.append(("Why", found.case.explanation))
    fixes = ", ".join(fix.replace("_", " ") for fix in found.case.fixes) or "none"
    if trainee.discarded:
        fixes = "delete job (the trainee is deleted in Register: a retry fails again)"
    lines.append(("Fixes", fixes))
    for note in notes:
        lines.append(("Note", note))
    return lines


def raw_error_text(job: FailedJob) -> str:
    """Everything stored about the failure, untouched, for the raw-error modal."""
    parts = [
        f"jid: {job.jid}",
        f"class: {job.job_class}",
        f"where: {job.where}",
        f"error_class: {job.error_class}",
        "error_message:",
        job.error_message or "(none)",
    ]
    if job.parse_error:
        parts += ["", f"unreadable entry: {job.parse_error}"]
    backtrace = job.backtrace
    if backtrace:
        parts += ["", "backtrace:", *backtrace]
    if job.payload is not None:
        # Indented for reading; the stored bytes are the same JSON, on one line.
        shown = json.dumps(job.payload, indent=2, ensure_ascii=False)
        parts += ["", "entry (as stored, indented):", shown]
    else:
        parts += ["", "entry (as stored):", job.raw.decode("utf-8", "replace")]
    return "\n".join(parts)


def short_job(job: FailedJob) -> str:
    return short_class(job.job_class)
