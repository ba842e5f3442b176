"""Monitors: trainees waiting for a TRN, trainees waiting for an award, stopped polling.

Support watches three kinds of trainee besides failed jobs:

- **Pending TRNs**: `submitted_for_trn` (not discarded). How long since the TRN
  request was created, the request's state, and what Sidekiq is doing about it:
  a `Dqt::RetrieveTrnJob` scheduled (next run, timeout date), queued, retrying,
  dead, or nothing at all.
- **Pending awards**: `recommended_for_award` (not discarded), oldest first, with
  the `Dqt::RecommendForAwardJob`'s status and, on demand, what DQT shows.
- **Timed-out polling**: the condition Register reports to chat as "RetrieveTrnJob
  for Trainee id: N has timed out after 4 days", found from the data (see
  `timed_out_polling`).

Sidekiq is read ONCE per call (`read_job_index`), never once per trainee: every
monitored entry is indexed by the record its first GlobalID names
(`Dqt::TrnRequest` id for RetrieveTrnJob, `Trainee` id for RecommendForAwardJob).

The actions on these lists are the fixes' operations (`services/fixes/`), named
in `PENDING_TRN_FIXES` and `PENDING_AWARD_FIXES`; the DQT look-ups, the async
`check_trn_in_dqt` and `check_award_in_dqt`, live in `services.monitor_dqt` and
are offered here too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.engine import Connection, Row

from dqt.errors import parse_job_error
from services.monitor_dqt import DqtCheck as DqtCheck
from services.monitor_dqt import DqtOutcome as DqtOutcome
from services.monitor_dqt import check_award_in_dqt as check_award_in_dqt
from services.monitor_dqt import check_trn_in_dqt as check_trn_in_dqt
from services.playbook import AWARD_JOB, RETRIEVE_TRN_JOB
from services.register import enums
from services.register.schema import dqt_trn_requests, providers, trainees
from services.sidekiq.jobs import FailedJob
from services.sidekiq.reader import SidekiqSnapshot, read_snapshot

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

RECOMMEND_FOR_AWARD_JOB = AWARD_JOB
TRN_REQUEST_MODEL = "Dqt::TrnRequest"
TRAINEE_MODEL = "Trainee"

# Register's `Settings.jobs.max_poll_duration_days`, and its October exception.
POLL_TIMEOUT_DAYS = 4
OCTOBER_POLL_TIMEOUT_DAYS = 10

# The fixes (services/fixes/) offered on each monitor, by registry name.
PENDING_TRN_FIXES = ("record_trn", "restart_trn_polling", "reregister_for_trn")
PENDING_AWARD_FIXES = ("requeue_award", "award_on_register", "retry")

JobStatus = Literal["queued", "scheduled", "retrying", "dead", "none"]

# When one record has several entries, the one shown is the most alive.
_STATUS_RANK: dict[str, int] = {"queued": 0, "retrying": 1, "scheduled": 2, "dead": 3}
LIVE_STATUSES = frozenset({"queued", "scheduled", "retrying"})


# --- the trainee columns every monitor and export shows ---------------------------


@dataclass(frozen=True)
class TraineeFacts:
    """The trainee columns support uses in lists and exports, each from its own field.

    `date_of_birth` is carried for DQT look-ups (DQT identifies a teacher by TRN and
    birth date) and for exports that ask for it explicitly; it is kept out of
    `repr` so it never reaches a log line.
    """

    id: int
    slug: str
    trn: str | None
    first_names: str | None
    middle_names: str | None
    last_name: str | None
    state: int | None
    training_route: int | None
    provider_name: str | None
    provider_ukprn: str | None
    itt_start_date: date | None
    itt_end_date: date | None
    course_min_age: int | None
    course_max_age: int | None
    course_subject_one: str | None
    course_subject_two: str | None
    course_subject_three: str | None
    submitted_for_trn_at: datetime | None
    recommended_for_award_at: datetime | None
    discarded_at: datetime | None
    date_of_birth: date | None = field(default=None, repr=False, compare=False)

    @property
    def full_name(self) -> str:
        parts = (self.first_names, self.middle_names, self.last_name)
        return " ".join(part.strip() for part in parts if part and part.strip())

    @property
    def short_name(self) -> str:
        parts = (self.first_names, self.last_name)
        return " ".join(part.strip() for part in parts if part and part.strip())

    @property
    def state_label(self) -> str:
        return enums.state_label(self.state)

    @property
    def route_label(self) -> str:
        return enums.route_label(self.training_route)

    @property
    def award_type(self) -> enums.AwardType:
        return enums.award_type(self.training_route)


def trainee_columns() -> list[Any]:
    """The labelled columns `facts_from_row` reads (trainees joined to providers)."""
    t = trainees.c
    return [
        t.id.label("trainee_id"),
        t.slug,
        t.trn,
        t.first_names,
        t.middle_names,
        t.last_name,
        t.state,
        t.training_route,
        providers.c.name.label("provider_name"),
        providers.c.ukprn.label("provider_ukprn"),
        t.itt_start_date,
        t.itt_end_date,
        t.course_min_age,
        t.course_max_age,
        t.course_subject_one,
        t.course_subject_two,
        t.course_subject_three,
        t.submitted_for_trn_at,
        t.recommended_for_award_at,
        t.discarded_at,
        t.date_of_birth,
    ]


# `trainee_columns()` lists the columns in the order of TraineeFacts' fields, so a
# row's first values build the dataclass positionally (this runs once per exported
# row; name look-ups cost several times more).
TRAINEE_COLUMN_COUNT = len(fields(TraineeFacts))


def facts_from_row(row: Row[Any]) -> TraineeFacts:
    return TraineeFacts(*tuple(row)[:TRAINEE_COLUMN_COUNT])


def trainee_facts_select(*extra_columns: Any) -> Select[Any]:
    """Trainees joined to their provider: `trainee_columns()`, then `extra_columns`.

    A trainee whose provider row is missing is still read (its provider columns
    are empty), so `facts_from_row` reads every row of the result.
    """
    return (
        select(*trainee_columns(), *extra_columns)
        .select_from(trainees)
        .outerjoin(providers, providers.c.id == trainees.c.provider_id)
    )


def waiting_in(state: enums.TraineeState) -> tuple[ColumnElement[bool], ...]:
    """The monitors' filter: trainees in `state` that are not discarded."""
    return (trainees.c.state == int(state), trainees.c.discarded_at.is_(None))


# --- what Sidekiq is doing about a record -------------------------------------


@dataclass(frozen=True)
class JobSighting:
    """One Sidekiq entry of a monitored job class.

    `at` is the entry's score read as a time: the next run for `scheduled` and
    `retrying` entries, the time of death for `dead` ones; None for queued jobs
    (a queue has no score: they run as soon as a worker is free).
    """

    status: JobStatus
    where: str
    jid: str | None
    job_class: str
    at: datetime | None
    timeout_date: date | None = None
    error: str | None = None
    failed_at: datetime | None = None


@dataclass(frozen=True)
class JobActivity:
    """Every sighting of one record's job, and the one that says what happens now."""

    sightings: tuple[JobSighting, ...] = ()

    @property
    def current(self) -> JobSighting | None:
        if not self.sightings:
            return None
        return min(self.sightings, key=lambda s: _STATUS_RANK.get(s.status, 9))

    @property
    def status(self) -> JobStatus:
        current = self.current
        return current.status if current else "none"

    @property
    def is_live(self) -> bool:
        return any(s.status in LIVE_STATUSES for s in self.sightings)

    @property
    def next_run(self) -> datetime | None:
        """The earliest time a live entry will run (None when queued or none)."""
        times = [
            s.at
            for s in self.sightings
            if s.status in ("scheduled", "retrying") and s.at is not None
        ]
        return min(times) if times else None

    @property
    def last_run(self) -> datetime | None:
        """The latest failure seen: a dead entry's death, or a retry's failure time."""
        times = []
        for sighting in self.sightings:
            ran = sighting.at if sighting.status == "dead" else sighting.failed_at
            if ran is not None:
                times.append(ran)
        return max(times) if times else None

    @property
    def timeout_date(self) -> date | None:
        """The timeout a live RetrieveTrnJob carries (its Date argument), if any."""
        for sighting in sorted(
            self.sightings, key=lambda s: _STATUS_RANK.get(s.status, 9)
        ):
            if sighting.status in LIVE_STATUSES and sighting.timeout_date:
                return sighting.timeout_date
        return None

    @property
    def error(self) -> str | None:
        current = self.current
        return current.error if current else None


@dataclass
class JobIndex:
    """Monitored job entries, read once, by (job class, model, record id)."""

    entries: dict[tuple[str, str, int], list[JobSighting]] = field(default_factory=dict)
    read_at: datetime | None = None

    def add(self, key: tuple[str, str, int], sighting: JobSighting) -> None:
        self.entries.setdefault(key, []).append(sighting)

    def activity(
        self, job_class: str, model: str, record_id: int | None
    ) -> JobActivity:
        if record_id is None:
            return JobActivity()
        return JobActivity(tuple(self.entries.get((job_class, model, record_id), ())))

    def retrieve_trn(self, trn_request_id: int | None) -> JobActivity:
        return self.activity(RETRIEVE_TRN_JOB, TRN_REQUEST_MODEL, trn_request_id)

    def recommend_for_award(self, trainee_id: int) -> JobActivity:
        return self.activity(RECOMMEND_FOR_AWARD_JOB, TRAINEE_MODEL, trainee_id)


def sighting_status(where: str, exception_executions: Any) -> JobStatus | None:
    """What an entry's place says: queue -> queued, retry -> retrying, ...

    An ActiveJob `retry_on` puts a NEW job in `schedule` after an error; it is
    told apart from a polling re-enqueue by its non-empty `exception_executions`,
    and counts as retrying, not as polling.
    """
    if where.startswith("queue:") or where == "queue":
        return "queued"
    if where == "retry":
        return "retrying"
    if where == "dead":
        return "dead"
    if where == "schedule":
        return "retrying" if exception_executions else "scheduled"
    return None


def index_jobs(jobs: Iterable[FailedJob]) -> JobIndex:
    """Index the monitored entries among parsed Sidekiq entries.

    Only RetrieveTrnJob and RecommendForAwardJob entries are kept, each under the
    record its first GlobalID names. Unreadable entries and entries without a
    GlobalID cannot be matched to a record and are skipped.
    """
    index = JobIndex(read_at=datetime.now(UTC))
    for job in jobs:
        job_class = job.job_class
        if job_class not in (RETRIEVE_TRN_JOB, RECOMMEND_FOR_AWARD_JOB):
            continue
        status = sighting_status(job.where, job.exception_executions)
        target = job.target
        if status is None or target is None:
            continue
        try:
            record_id = int(target.id)
        except ValueError:
            continue

        parsed = job.error_signal
        error = parsed.summary if parsed is not None else None
        if error is None and job.exception_executions:
            # An ActiveJob retry stores no error text, only what it counted.
            counted = ", ".join(
                f"{name.strip('[]')} x{times}"
                for name, times in job.exception_executions.items()
            )
            error = f"ActiveJob retry after {counted}"
        index.add(
            (job_class, target.model, record_id),
            JobSighting(
                status=status,
                where=job.where,
                jid=job.jid,
                job_class=job_class,
                at=None if status == "queued" else job.score_time,
                timeout_date=_first_date(job.arguments),
                error=error,
                failed_at=job.last_failure_at,
            ),
        )
    return index


def _first_date(arguments: Iterable[Any]) -> date | None:
    for argument in arguments:
        if isinstance(argument, datetime):
            return argument.date()
        if isinstance(argument, date):
            return argument
    return None


def read_snapshot_once(redis_client: redis.Redis) -> SidekiqSnapshot:
    """Sidekiq's sets and queues, read in one pass for one monitor call."""
    return read_snapshot(redis_client, include_queues=True)


def read_job_index(redis_client: redis.Redis) -> JobIndex:
    """Read Sidekiq once (queues, schedule, retry, dead) and index what we monitor."""
    snapshot = read_snapshot_once(redis_client)
    index = index_jobs(snapshot.all_jobs)
    log.info("monitors: %d records with monitored jobs", len(index.entries))
    return index


# --- pending TRNs and timed-out polling ---------------------------------------


def poll_timeout_days(today: date) -> int:
    """Register's polling window: 4 days, or 10 days when the current month is October.

    Register (2024-10-24 onwards) adds 6 days when `Time.current.month == 10`, and
    its chat alert keeps saying "timed out after 4 days" either way.
    """
    return OCTOBER_POLL_TIMEOUT_DAYS if today.month == 10 else POLL_TIMEOUT_DAYS


def poll_deadline(submitted_for_trn_at: datetime, today: date) -> datetime:
    """`submitted_for_trn_at` + the polling window in force on `today`."""
    return submitted_for_trn_at + timedelta(days=poll_timeout_days(today))


@dataclass(frozen=True)
class PendingTrn:
    """A trainee waiting for a TRN, with its TRN request and its polling job."""

    trainee: TraineeFacts
    trn_request_id: int | None
    request_uuid: str | None
    request_state: int | None
    request_created_at: datetime | None
    request_error: str | None
    days_waiting: int | None
    activity: JobActivity
    deadline: datetime | None
    timed_out: bool
    notes: tuple[str, ...] = ()

    @property
    def request_state_label(self) -> str:
        if self.trn_request_id is None:
            return "no TRN request"
        known = _REQUEST_STATE_LABELS.get(self.request_state)  # type: ignore[arg-type]
        return known or enums.label(enums.TrnRequestState, self.request_state)

    @property
    def timeout_date(self) -> date | None:
        """The live job's own timeout if it carries one, else the computed deadline."""
        carried = self.activity.timeout_date
        if carried is not None:
            return carried
        return self.deadline.date() if self.deadline else None

    @property
    def situation(self) -> str:
        """One line in plain words: what is happening to this trainee's TRN now."""
        activity = self.activity
        status = activity.status
        if status == "scheduled":
            when = _short_time(activity.next_run)
            until = self.timeout_date
            tail = f", gives up on {until.isoformat()}" if until else ""
            return f"polling: next check {when}{tail}"
        if status == "queued":
            return "polling: a check is queued now"
        if status == "retrying":
            when = _short_time(activity.next_run)
            return f"retrying after an error, next try {when}: {activity.error or ''}"
        if status == "dead":
            return f"RetrieveTrnJob dead: {activity.error or 'no error text'}"
        if self.timed_out and self.deadline:
            return (
                f"timed out on {self.deadline.date().isoformat()}: "
                "no RetrieveTrnJob is polling"
            )
        return "polling stopped: no RetrieveTrnJob in Sidekiq"


_REQUEST_STATE_LABELS = {
    int(member): enums.plain_words(member.name) for member in enums.TrnRequestState
}


def _short_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "unknown"


def pending_trn_select() -> Select[Any]:
    """Trainees in submitted_for_trn (not discarded) with their newest TRN request.

    Oldest request first (most days waiting), trainees without a request first of
    all (they cannot be polled at all), then by trainee id.
    """
    newest_request = (
        select(
            dqt_trn_requests.c.id,
            dqt_trn_requests.c.request_id,
            dqt_trn_requests.c.state,
            dqt_trn_requests.c.created_at,
            dqt_trn_requests.c.response,
        )
        .where(dqt_trn_requests.c.trainee_id == trainees.c.id)
        .order_by(dqt_trn_requests.c.created_at.desc(), dqt_trn_requests.c.id.desc())
        .limit(1)
        .lateral("request")
    )
    return (
        trainee_facts_select(
            newest_request.c.id.label("trn_request_id"),
            newest_request.c.request_id.label("request_uuid"),
            newest_request.c.state.label("request_state"),
            newest_request.c.created_at.label("request_created_at"),
            newest_request.c.response.label("request_response"),
        )
        .outerjoin(newest_request, true())  # the lateral subquery holds the condition
        .where(*waiting_in(enums.TraineeState.submitted_for_trn))
        .order_by(newest_request.c.created_at.asc().nulls_first(), trainees.c.id.asc())
    )


def pending_trn_from_row(row: Row[Any], index: JobIndex, today: date) -> PendingTrn:
    """One pending-TRN row read into a `PendingTrn`; bad values become notes."""
    facts = facts_from_row(row)
    m = row._mapping
    notes: list[str] = []

    created_at = m["request_created_at"]
    days_waiting = (today - created_at.date()).days if created_at else None
    if m["trn_request_id"] is None:
        notes.append("no TRN request row: nothing can poll DQT for this trainee")

    # Register polls until submitted_for_trn_at + window; it raises when the column
    # is nil, so say so and fall back on the request's creation time.
    started = facts.submitted_for_trn_at
    if started is None:
        notes.append("submitted_for_trn_at is missing (RetrieveTrnJob would raise)")
        started = created_at
    deadline = poll_deadline(_utc(started), today) if started else None

    activity = index.retrieve_trn(m["trn_request_id"])
    timed_out = (
        deadline is not None and today >= deadline.date() and not activity.is_live
    )
    return PendingTrn(
        trainee=facts,
        trn_request_id=m["trn_request_id"],
        request_uuid=str(m["request_uuid"]) if m["request_uuid"] else None,
        request_state=m["request_state"],
        request_created_at=created_at,
        request_error=_request_error(m["request_response"]),
        days_waiting=days_waiting,
        activity=activity,
        deadline=deadline,
        timed_out=timed_out,
        notes=tuple(notes),
    )


def _utc(moment: datetime) -> datetime:
    """Register's timestamps are UTC without a zone: make that explicit."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _request_error(response: Any) -> str | None:
    """The one-line error a failed TRN request stored (`{"error": "status: ..."}`)."""
    if not isinstance(response, dict):
        return None
    error = response.get("error")
    if not isinstance(error, str) or not error:
        return None
    return parse_job_error(None, error).summary


def _execute(conn: Connection, statement: Select[Any], stream: bool) -> Iterable[Row]:
    """The statement's rows; `stream=True` reads through a server-side cursor."""
    if stream:
        return conn.execution_options(yield_per=1000).execute(statement)
    return conn.execute(statement)


def iter_pending_trns(
    conn: Connection, index: JobIndex, *, today: date, stream: bool = False
) -> Iterator[PendingTrn]:
    """Pending TRNs one by one; `stream=True` reads through a server-side cursor."""
    for row in _execute(conn, pending_trn_select(), stream):
        yield pending_trn_from_row(row, index, today)


def pending_trns(
    conn: Connection, redis_client: redis.Redis, *, today: date
) -> list[PendingTrn]:
    """Every trainee in submitted_for_trn (not discarded), oldest request first."""
    index = read_job_index(redis_client)
    rows = list(iter_pending_trns(conn, index, today=today))
    log.info("pending TRNs: %d trainees", len(rows))
    return rows


def timed_out_polling(
    conn: Connection, redis_client: redis.Redis, *, today: date
) -> list[PendingTrn]:
    """Trainees whose TRN polling has timed out, found from the data itself.

    The rule: a trainee in `submitted_for_trn` (not discarded) whose polling
    deadline has come and that has NO live `Dqt::RetrieveTrnJob` for its TRN
    request (none scheduled, queued or retrying; a dead one does not count).

    The deadline is `submitted_for_trn_at` + 4 days, or + 10 days when the current
    month (the month of `today`) is October, as Register computes it; Register's
    chat alert still says "timed out after 4 days" in October. The deadline counts
    as reached from its calendar day on (`today >= deadline.date()`): from then on
    a trainee with no live job is stuck whatever the hour. When
    `submitted_for_trn_at` is missing the TRN request's `created_at` stands in
    (and the row carries a note); with neither, no deadline can be computed and
    the trainee is listed by `pending_trns` only.
    """
    stuck = [
        row for row in pending_trns(conn, redis_client, today=today) if row.timed_out
    ]
    log.info("timed-out TRN polling: %d trainees", len(stuck))
    return stuck


# --- pending awards -----------------------------------------------------------


@dataclass(frozen=True)
class PendingAward:
    """A trainee recommended for award, waiting for DQT's QTS/EYTS date."""

    trainee: TraineeFacts
    days_waiting: int | None
    activity: JobActivity
    notes: tuple[str, ...] = ()

    @property
    def award_type(self) -> enums.AwardType:
        return self.trainee.award_type

    @property
    def situation(self) -> str:
        activity = self.activity
        status = activity.status
        if status == "queued":
            return "RecommendForAwardJob queued"
        if status == "scheduled":
            return (
                f"RecommendForAwardJob scheduled for {_short_time(activity.next_run)}"
            )
        if status == "retrying":
            return (
                f"retrying, next try {_short_time(activity.next_run)}: "
                f"{activity.error or ''}"
            )
        if status == "dead":
            return f"RecommendForAwardJob dead: {activity.error or 'no error text'}"
        return "no RecommendForAwardJob in Sidekiq"


def pending_award_select() -> Select[Any]:
    """Trainees recommended for award (not discarded), oldest recommendation first."""
    return (
        trainee_facts_select()
        .where(*waiting_in(enums.TraineeState.recommended_for_award))
        .order_by(
            trainees.c.recommended_for_award_at.asc().nulls_first(),
            trainees.c.id.asc(),
        )
    )


def pending_award_from_row(row: Row[Any], index: JobIndex, today: date) -> PendingAward:
    facts = facts_from_row(row)
    notes: list[str] = []
    recommended = facts.recommended_for_award_at
    if recommended is None:
        notes.append("recommended_for_award_at is missing")
    if not (facts.trn or "").strip():
        notes.append("no TRN: DQT cannot be asked to award")
    return PendingAward(
        trainee=facts,
        days_waiting=(today - recommended.date()).days if recommended else None,
        activity=index.recommend_for_award(facts.id),
        notes=tuple(notes),
    )


def iter_pending_awards(
    conn: Connection, index: JobIndex, *, today: date, stream: bool = False
) -> Iterator[PendingAward]:
    """Pending awards one by one; `stream=True` reads through a server-side cursor."""
    for row in _execute(conn, pending_award_select(), stream):
        yield pending_award_from_row(row, index, today)


def pending_awards(
    conn: Connection, redis_client: redis.Redis, *, today: date
) -> list[PendingAward]:
    """Every trainee in recommended_for_award (not discarded), oldest first."""
    index = read_job_index(redis_client)
    rows = list(iter_pending_awards(conn, index, today=today))
    log.info("pending awards: %d trainees", len(rows))
    return rows


# --- counts for a header --------------------------------------------------------------


@dataclass(frozen=True)
class MonitorCounts:
    """How many trainees each monitor lists, for a header or a home screen."""

    pending_trns: int
    pending_awards: int
    timed_out_polling: int


def monitor_counts(
    conn: Connection, redis_client: redis.Redis, *, today: date
) -> MonitorCounts:
    """The three counts from one Sidekiq read: the pending TRNs streamed once
    (whether polling timed out needs each one's deadline and job), the awards
    counted by PostgreSQL (a count needs nothing else of them)."""
    index = read_job_index(redis_client)
    trns = timed_out = 0
    for row in iter_pending_trns(conn, index, today=today, stream=True):
        trns += 1
        timed_out += row.timed_out
    _, awards = pending_counts(conn)
    return MonitorCounts(trns, awards, timed_out)


def pending_counts(conn: Connection) -> tuple[int, int]:
    """(pending TRNs, pending awards) from PostgreSQL alone: no Sidekiq read.

    For a header that must still show the counts while Redis is down.
    """
    waiting = {
        int(enums.TraineeState.submitted_for_trn): 0,
        int(enums.TraineeState.recommended_for_award): 0,
    }
    rows = conn.execute(
        select(trainees.c.state, func.count())
        .where(
            trainees.c.state.in_(list(waiting)),
            trainees.c.discarded_at.is_(None),
        )
        .group_by(trainees.c.state)
    )
    for state, count in rows:
        waiting[state] = count
    return (
        waiting[int(enums.TraineeState.submitted_for_trn)],
        waiting[int(enums.TraineeState.recommended_for_award)],
    )
