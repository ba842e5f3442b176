"""Exports: failed jobs of a case, pending TRNs, pending awards, as CSV or JSON.

Rows are produced by generators and written as they come: the pending lists are
read through a server-side cursor (`yield_per`), failed jobs are resolved to
trainees in batches, and DQT's values (`with_dqt`) are looked up a batch at a
time under the client's rate limiter. The whole set is never held in memory
(Sidekiq's own sets are read once; they are bounded at 10,000 dead entries).

Formats:
- **csv**: a header row, then one row per record; empty cells for missing values.
- **json**: ONE streamed JSON array of objects, one object per line between the
  brackets, so the file is valid JSON for any tool and can still be read line by
  line; missing values are `null`, dates ISO 8601.

Columns are those support uses (Register's own CSV, fixed): every column is filled
from its own field; in particular `itt_end_date` comes from `itt_end_date`
(Register's CSV filled it from the start date). A date of birth is written only
when `include_date_of_birth` is asked for explicitly.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from services import monitors
from services.playbook import CASES, classify, has_failed
from services.register import enums
from services.register.schema import trainees
from services.sidekiq.jobs import FailedJob
from services.sidekiq.resolve import Resolution, resolution_of, resolve_jobs

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

ExportWhat = Literal["failed-jobs", "pending-trns", "pending-awards"]
ExportFormat = Literal["csv", "json"]
WHATS: tuple[ExportWhat, ...] = ("failed-jobs", "pending-trns", "pending-awards")
FORMATS: tuple[ExportFormat, ...] = ("csv", "json")

# Called with (rows done, total rows or None when unknown).
Progress = Callable[[int, int | None], None]

TRAINEE_COLUMNS = (
    "register_id",
    "slug",
    "trn",
    "full_name",
    "state",
    "provider_name",
    "provider_ukprn",
    "training_route",
    "itt_start_date",
    "itt_end_date",
    "course_min_age",
    "course_max_age",
    "course_subject_one",
    "course_subject_two",
    "course_subject_three",
)
DATE_OF_BIRTH_COLUMN = "date_of_birth"

FAILED_JOB_COLUMNS = (
    "jid",
    "job_class",
    "where",
    "case",
    "failed_at",
    "days_waiting",
    "error_status",
    "error_code",
    "error_message",
    "trainee_problem",
)
PENDING_TRN_COLUMNS = (
    "days_waiting",
    "submitted_for_trn_at",
    "trn_request_state",
    "job_status",
    "next_run",
    "timeout_date",
    "timed_out",
    "situation",
)
PENDING_AWARD_COLUMNS = (
    "days_waiting",
    "recommended_for_award_at",
    "award_type",
    "job_status",
    "last_run",
    "next_scheduled",
    "situation",
)
DQT_COLUMNS = (
    "dqt_lookup",
    "dqt_trn",
    "dqt_first_name",
    "dqt_last_name",
    "dqt_qts_date",
    "dqt_eyts_date",
    "dqt_itt_result",
    "dqt_trn_request_status",
)

# Rows resolved, looked up in DQT or written per step.
BATCH = 500


class ExportError(Exception):
    """The export cannot run as asked; the message is one line for the operator."""


@dataclass(frozen=True)
class ExportRequest:
    what: ExportWhat
    format: ExportFormat = "csv"
    case: str | None = None
    with_dqt: bool = False
    include_date_of_birth: bool = False
    limit: int | None = None

    def check(self) -> None:
        """Refuse what cannot be exported, with a message naming the choices."""
        if self.what not in WHATS:
            raise ExportError(f"cannot export {self.what!r}: choose {', '.join(WHATS)}")
        if self.format not in FORMATS:
            raise ExportError(f"unknown format {self.format!r}: choose csv or json")
        if self.case is not None and self.what != "failed-jobs":
            raise ExportError("--case applies to failed-jobs only")
        if self.case is not None and self.case not in CASES:
            raise ExportError(
                f"unknown playbook case {self.case!r}: choose {', '.join(CASES)}"
            )
        if self.limit is not None and self.limit < 0:
            raise ExportError("the row limit cannot be negative")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    what: ExportWhat
    format: ExportFormat
    rows: int
    columns: tuple[str, ...]
    seconds: float


class DqtValues(Protocol):
    """Looks up DQT's values for a batch of rows (`DqtLookup` over the client)."""

    def __call__(self, items: Sequence[DqtItem]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class DqtItem:
    """What a DQT look-up for one export row needs."""

    trainee: monitors.TraineeFacts | None
    request_uuid: str | None = None


def columns_for(request: ExportRequest) -> tuple[str, ...]:
    """The export's columns, in order."""
    columns = list(TRAINEE_COLUMNS)
    if request.include_date_of_birth:
        columns.insert(columns.index("full_name") + 1, DATE_OF_BIRTH_COLUMN)
    columns += {
        "failed-jobs": FAILED_JOB_COLUMNS,
        "pending-trns": PENDING_TRN_COLUMNS,
        "pending-awards": PENDING_AWARD_COLUMNS,
    }[request.what]
    if request.with_dqt:
        columns += DQT_COLUMNS
    return tuple(columns)


# --- rows -------------------------------------------------------------------------


def trainee_cells(
    facts: monitors.TraineeFacts | None, *, include_date_of_birth: bool
) -> dict[str, Any]:
    """The trainee columns, each from its own field (Register names for enums)."""
    if facts is None:
        cells: dict[str, Any] = dict.fromkeys(TRAINEE_COLUMNS)
        if include_date_of_birth:
            cells[DATE_OF_BIRTH_COLUMN] = None
        return cells
    cells = {
        "register_id": facts.id,
        "slug": facts.slug,
        "trn": facts.trn,
        "full_name": facts.full_name,
        "state": _enum_name(_STATE_NAMES, facts.state),
        "provider_name": facts.provider_name,
        "provider_ukprn": facts.provider_ukprn,
        "training_route": _enum_name(_ROUTE_NAMES, facts.training_route),
        "itt_start_date": facts.itt_start_date,
        "itt_end_date": facts.itt_end_date,
        "course_min_age": facts.course_min_age,
        "course_max_age": facts.course_max_age,
        "course_subject_one": facts.course_subject_one,
        "course_subject_two": facts.course_subject_two,
        "course_subject_three": facts.course_subject_three,
    }
    if include_date_of_birth:
        cells[DATE_OF_BIRTH_COLUMN] = facts.date_of_birth
    return cells


# Register's own names by integer, looked up once per cell.
_STATE_NAMES = {int(member): member.name for member in enums.TraineeState}
_ROUTE_NAMES = {int(member): member.name for member in enums.TrainingRoute}


def _enum_name(names: dict[int, str], value: Any) -> str | None:
    """Register's own name for an enum value ("unknown (9)" when it has none)."""
    if value is None:
        return None
    found = names.get(value)
    return found if found is not None else f"unknown ({value})"


def pending_trn_cells(row: monitors.PendingTrn) -> dict[str, Any]:
    activity = row.activity
    return {
        "days_waiting": row.days_waiting,
        "submitted_for_trn_at": row.trainee.submitted_for_trn_at,
        "trn_request_state": row.request_state_label,
        "job_status": activity.status,
        "next_run": activity.next_run,
        "timeout_date": row.timeout_date,
        "timed_out": row.timed_out,
        "situation": row.situation,
    }


def pending_award_cells(row: monitors.PendingAward) -> dict[str, Any]:
    activity = row.activity
    return {
        "days_waiting": row.days_waiting,
        "recommended_for_award_at": row.trainee.recommended_for_award_at,
        "award_type": row.award_type,
        "job_status": activity.status,
        "last_run": activity.last_run,
        "next_scheduled": activity.next_run,
        "situation": row.situation,
    }


def failed_job_cells(
    job: FailedJob, case_key: str, problem: str | None, today: date
) -> dict[str, Any]:
    parsed = job.error_signal
    failed_at = job.last_failure_at or (job.score_time if job.where == "dead" else None)
    message = parsed.summary if parsed is not None else None
    if message is None and job.exception_executions:
        message = "retrying after " + ", ".join(job.exception_executions)
    return {
        "jid": job.jid,
        "job_class": job.job_class,
        "where": job.where,
        "case": case_key,
        "failed_at": failed_at,
        "days_waiting": (today - failed_at.date()).days if failed_at else None,
        "error_status": parsed.status if parsed is not None else None,
        "error_code": parsed.error_code if parsed is not None else None,
        "error_message": message,
        "trainee_problem": problem,
    }


def count_rows(engine: Engine, request: ExportRequest) -> int | None:
    """How many rows a pending-list export will have (for the progress bar).

    The lists' joins add no rows (one provider, at most one newest TRN request per
    trainee), so counting the trainees with the lists' own filter
    (`monitors.waiting_in`) is enough.
    """
    state = {
        "pending-trns": enums.TraineeState.submitted_for_trn,
        "pending-awards": enums.TraineeState.recommended_for_award,
    }.get(request.what)
    if state is None:
        return None
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count())
            .select_from(trainees)
            .where(*monitors.waiting_in(state))
        ).scalar_one()
    return min(total, request.limit) if request.limit is not None else total


def _row_cells(
    facts: monitors.TraineeFacts | None,
    request: ExportRequest,
    own_cells: dict[str, Any],
) -> dict[str, Any]:
    """One export row: the trainee's columns, then the list's own."""
    cells = trainee_cells(facts, include_date_of_birth=request.include_date_of_birth)
    cells.update(own_cells)
    return cells


def iter_pending_trn_rows(
    engine: Engine, index: monitors.JobIndex, request: ExportRequest, today: date
) -> Iterator[tuple[dict[str, Any], DqtItem]]:
    with engine.connect() as conn:
        rows = monitors.iter_pending_trns(conn, index, today=today, stream=True)
        for row in itertools.islice(rows, request.limit):
            cells = _row_cells(row.trainee, request, pending_trn_cells(row))
            yield cells, DqtItem(row.trainee, row.request_uuid)


def iter_pending_award_rows(
    engine: Engine, index: monitors.JobIndex, request: ExportRequest, today: date
) -> Iterator[tuple[dict[str, Any], DqtItem]]:
    with engine.connect() as conn:
        rows = monitors.iter_pending_awards(conn, index, today=today, stream=True)
        for row in itertools.islice(rows, request.limit):
            cells = _row_cells(row.trainee, request, pending_award_cells(row))
            yield cells, DqtItem(row.trainee)


def failed_jobs_of_case(
    jobs: Iterable[FailedJob], case: str | None
) -> list[tuple[FailedJob, str]]:
    """Failed entries (dead, retry, ActiveJob retries) with their case key.

    An unreadable entry is kept: it cannot say whether it failed, and an export
    of failures must not drop it silently.
    """
    found = []
    for job in jobs:
        if job.readable and not has_failed(job):
            continue
        key = classify(job).key
        if case is None or key == case:
            found.append((job, key))
    return found


def iter_failed_job_rows(
    engine: Engine,
    jobs: Sequence[tuple[FailedJob, str]],
    request: ExportRequest,
    today: date,
) -> Iterator[tuple[dict[str, Any], DqtItem]]:
    """Rows for failed jobs, trainees resolved with one query per batch."""
    selected = jobs if request.limit is None else jobs[: request.limit]
    for start in range(0, len(selected), BATCH):
        batch = selected[start : start + BATCH]
        resolved = resolve_trainees(engine, [job for job, _ in batch])
        for job, key in batch:
            facts, problem = resolved.get(id(job), (None, "no record argument"))
            cells = _row_cells(
                facts, request, failed_job_cells(job, key, problem, today)
            )
            yield cells, DqtItem(facts)


def resolve_trainees(
    engine: Engine, jobs: Sequence[FailedJob]
) -> dict[int, tuple[monitors.TraineeFacts | None, str | None]]:
    """Each job's trainee (by `id(job)`), or why there is none, in two queries.

    Which trainee a job is about is `resolve_jobs`' answer (a `Dqt::TrnRequest`
    GlobalID leads to its trainee); the second query reads those trainees'
    columns for the export.
    """
    resolutions = resolve_jobs(engine, jobs)
    found = {id(job): resolution_of(job, resolutions) for job in jobs}
    trainee_ids = {r.trainee_id for r in found.values() if r.trainee_id is not None}

    facts: dict[int, monitors.TraineeFacts] = {}
    if trainee_ids:
        with engine.connect() as conn:
            rows = conn.execute(
                monitors.trainee_facts_select().where(trainees.c.id.in_(trainee_ids))
            )
            facts = {row.trainee_id: monitors.facts_from_row(row) for row in rows}

    result: dict[int, tuple[monitors.TraineeFacts | None, str | None]] = {}
    for key, resolution in found.items():
        trainee = (
            None if resolution.trainee_id is None else facts.get(resolution.trainee_id)
        )
        result[key] = (trainee, _trainee_problem(resolution, trainee))
    return result


def _trainee_problem(
    resolution: Resolution, trainee: monitors.TraineeFacts | None
) -> str | None:
    """The export's words for a job whose trainee cannot be used as it is."""
    target = resolution.target
    if resolution.status == "no_target" or target is None:
        return "no record argument"
    if resolution.status == "other_model":
        return f"argument is a {target.model}"
    if resolution.status == "trn_request_gone":
        return "TRN request row gone"
    if trainee is None:
        return "trainee not found"
    if trainee.discarded_at is not None:
        return "trainee discarded"
    return None


def iter_export_rows(
    engine: Engine,
    redis_client: redis.Redis,
    request: ExportRequest,
    *,
    today: date,
    dqt: DqtValues | None = None,
) -> tuple[int | None, Iterator[dict[str, Any]]]:
    """(total rows if known, the rows): Sidekiq read once, rows made lazily."""
    request.check()
    if request.with_dqt and dqt is None:
        raise ExportError("DQT's values were asked for but no DQT service is set")

    snapshot = monitors.read_snapshot_once(redis_client)
    pairs: Iterator[tuple[dict[str, Any], DqtItem]]
    total: int | None
    if request.what == "failed-jobs":
        jobs = failed_jobs_of_case(snapshot.failed, request.case)
        total = len(jobs) if request.limit is None else min(len(jobs), request.limit)
        pairs = iter_failed_job_rows(engine, jobs, request, today)
    else:
        index = monitors.index_jobs(snapshot.all_jobs)
        total = count_rows(engine, request)
        if request.what == "pending-trns":
            pairs = iter_pending_trn_rows(engine, index, request, today)
        else:
            pairs = iter_pending_award_rows(engine, index, request, today)

    if request.with_dqt and dqt is not None:
        return total, _with_dqt_values(pairs, dqt)
    return total, (cells for cells, _ in pairs)


def _with_dqt_values(
    pairs: Iterator[tuple[dict[str, Any], DqtItem]], dqt: DqtValues
) -> Iterator[dict[str, Any]]:
    """Rows with DQT's columns added, looked up one batch at a time."""
    batch: list[tuple[dict[str, Any], DqtItem]] = []

    def flush() -> Iterator[dict[str, Any]]:
        values = dqt([item for _, item in batch])
        for (cells, _), extra in zip(batch, values, strict=True):
            cells.update(extra)
            yield cells
        batch.clear()

    for pair in pairs:
        batch.append(pair)
        if len(batch) >= DQT_BATCH:
            yield from flush()
    if batch:
        yield from flush()


# DQT look-ups in flight together (the client's rate limiter still applies).
DQT_BATCH = 50


class DqtLookup:
    """DQT's values for export rows, through `DqtClient` on an event loop of its own.

    Each batch is looked up concurrently; the client's rate limiter and concurrency
    limit keep the pace DQT allows. A failed look-up fills `dqt_lookup` with what
    went wrong; it never stops the export.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout: float = 10.0,
        requests_per_minute: int = 300,
        **client_options: Any,
    ) -> None:
        self.client_options = client_options
        self.base_url = base_url
        self.api_key = api_key
        self.timeout = timeout
        self.requests_per_minute = requests_per_minute
        self._runner: asyncio.Runner | None = None
        self._client: Any = None
        # What DQT said when a whole batch found it unavailable; then no more asks.
        self.unavailable: str | None = None

    def open(self) -> None:
        from dqt.client import DqtClient

        self._runner = asyncio.Runner()
        client = DqtClient(
            self.base_url,
            self.api_key or "",
            timeout=self.timeout,
            requests_per_minute=self.requests_per_minute,
            **self.client_options,
        )
        self._client = self._runner.run(client.__aenter__())

    def close(self) -> None:
        if self._runner is None:
            return
        if self._client is not None:
            self._runner.run(self._client.__aexit__(None, None, None))
        self._runner.close()
        self._runner = None
        self._client = None

    def __enter__(self) -> DqtLookup:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, items: Sequence[DqtItem]) -> list[dict[str, Any]]:
        if self._runner is None:
            raise ExportError("DQT look-up used before it was opened")
        return self._runner.run(self._batch(items))

    async def _batch(self, items: Sequence[DqtItem]) -> list[dict[str, Any]]:
        # Once a whole batch found DQT unavailable, the rest are not asked: an
        # export of 100,000 rows must not wait out every retry of a dead service.
        if self.unavailable:
            note = f"not asked: DQT was unavailable ({self.unavailable})"
            return [dqt_cells(None, note) for _ in items]

        checks = await asyncio.gather(*(self._one(item) for item in items))
        asked = [check for check in checks if check is not None]
        if asked and all(check.outcome == "unavailable" for check in asked):
            self.unavailable = asked[0].message
            log.warning("DQT unavailable during an export: no further look-ups")
        return [
            dqt_cells(check, check.message)
            if check is not None
            else dqt_cells(None, "no trainee")
            for check in checks
        ]

    async def _one(self, item: DqtItem) -> monitors.DqtCheck | None:
        facts = item.trainee
        if facts is None:
            return None
        if not (facts.trn or "").strip() and item.request_uuid:
            pending = _request_only(facts, item.request_uuid)
            return await monitors.check_trn_in_dqt(self._client, pending)
        return await monitors.check_award_in_dqt(self._client, facts)


def _request_only(facts: monitors.TraineeFacts, uuid: str) -> monitors.PendingTrn:
    """The smallest PendingTrn `check_trn_in_dqt` needs: the request's uuid."""
    return monitors.PendingTrn(
        trainee=facts,
        trn_request_id=None,
        request_uuid=uuid,
        request_state=None,
        request_created_at=None,
        request_error=None,
        days_waiting=None,
        activity=monitors.JobActivity(),
        deadline=None,
        timed_out=False,
    )


def dqt_cells(check: monitors.DqtCheck | None, lookup: str) -> dict[str, Any]:
    """The DQT columns of one row; `dqt_lookup` says what happened in words."""
    if check is None:
        cells: dict[str, Any] = dict.fromkeys(DQT_COLUMNS)
        cells["dqt_lookup"] = lookup
        return cells
    return {
        "dqt_lookup": lookup,
        "dqt_trn": check.trn,
        "dqt_first_name": check.first_name,
        "dqt_last_name": check.last_name,
        "dqt_qts_date": check.qts_date,
        "dqt_eyts_date": check.eyts_date,
        "dqt_itt_result": check.itt_result,
        "dqt_trn_request_status": check.request_status,
    }


# --- writing ----------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A CSV cell: ISO dates and times, true/false, empty for None."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _counted(
    rows: Iterable[dict[str, Any]], progress: Progress | None, total: int | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows numbered from 1, telling `progress` after every 200th is written."""
    for done, row in enumerate(rows, 1):
        yield done, row
        if progress is not None and done % 200 == 0:
            progress(done, total)


def write_csv(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    out: IO[str],
    progress: Progress | None = None,
    total: int | None = None,
) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    done = 0
    for done, row in _counted(rows, progress, total):  # noqa: B007 - returned below
        writer.writerow([cell_text(row.get(column)) for column in columns])
    return done


def write_json(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    out: IO[str],
    progress: Progress | None = None,
    total: int | None = None,
) -> int:
    """One JSON array, one object per line, written as the rows come."""
    out.write("[")
    done = 0
    for done, row in _counted(rows, progress, total):
        record = {column: json_value(row.get(column)) for column in columns}
        out.write(
            ("\n" if done == 1 else ",\n") + json.dumps(record, ensure_ascii=False)
        )
    out.write("\n]\n" if done else "]\n")
    return done


def default_file_name(request: ExportRequest, today: date) -> str:
    case = f"-{request.case}" if request.case else ""
    return f"{request.what}{case}-{today.isoformat()}.{request.format}"


def _write_export(
    engine: Engine,
    redis_client: redis.Redis,
    request: ExportRequest,
    out: IO[str],
    today: date,
    progress: Progress | None,
    dqt: DqtValues | None,
) -> tuple[int, tuple[str, ...]]:
    """Write the export's rows to `out`, telling `progress` the start and the end.

    The number of rows written, and the columns.
    """
    columns = columns_for(request)
    total, rows = iter_export_rows(engine, redis_client, request, today=today, dqt=dqt)
    if progress is not None:
        progress(0, total)
    writer = write_csv if request.format == "csv" else write_json
    done = writer(rows, columns, out, progress, total)
    if progress is not None:
        progress(done, total)
    return done, columns


def export_to_file(
    engine: Engine,
    redis_client: redis.Redis,
    request: ExportRequest,
    path: Path,
    *,
    today: date,
    progress: Progress | None = None,
    dqt: DqtValues | None = None,
) -> ExportResult:
    """Write the export to `path` (via a temporary file renamed at the end)."""
    started = time.perf_counter()
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            done, columns = _write_export(
                engine, redis_client, request, out, today, progress, dqt
            )
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

    seconds = time.perf_counter() - started
    log.info(
        "exported %s (%s, %d rows, with_dqt=%s, date_of_birth=%s) to %s in %.2f s",
        request.what,
        request.format,
        done,
        request.with_dqt,
        request.include_date_of_birth,
        path,
        seconds,
    )
    return ExportResult(path, request.what, request.format, done, columns, seconds)


def export_to_stream(
    engine: Engine,
    redis_client: redis.Redis,
    request: ExportRequest,
    out: IO[str],
    *,
    today: date,
    progress: Progress | None = None,
    dqt: DqtValues | None = None,
) -> int:
    """Write the export to an open text stream (stdout); the number of rows."""
    started = time.perf_counter()
    done, _ = _write_export(engine, redis_client, request, out, today, progress, dqt)
    out.flush()
    log.info(
        "exported %s (%s, %d rows, with_dqt=%s, date_of_birth=%s) to a stream "
        "in %.2f s",
        request.what,
        request.format,
        done,
        request.with_dqt,
        request.include_date_of_birth,
        time.perf_counter() - started,
    )
    return done


def export_to_text(
    engine: Engine,
    redis_client: redis.Redis,
    request: ExportRequest,
    *,
    today: date,
    dqt: DqtValues | None = None,
) -> str:
    """The whole export as text, for small exports and tests."""
    columns = columns_for(request)
    _, rows = iter_export_rows(engine, redis_client, request, today=today, dqt=dqt)
    out = io.StringIO()
    (write_csv if request.format == "csv" else write_json)(rows, columns, out)
    return out.getvalue()
