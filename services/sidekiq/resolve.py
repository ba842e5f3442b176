"""Which trainee each job is about, and one trainee's jobs taken together.

A job's first GlobalID argument names its record: a `Trainee` directly, or a
`Dqt::TrnRequest` whose `dqt_trn_requests.trainee_id` names the trainee (Register's
own dead-jobs page reads that id as a trainee id, which is wrong). Every job of a
batch is resolved with ONE query. A record that is gone, or a trainee that was
discarded, is said plainly rather than hidden.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import BigInteger, Select, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine

from services.playbook import trainee_notes
from services.register import enums, schema
from services.sidekiq.jobs import FailedJob
from services.sidekiq.wire import GlobalIdRef

log = logging.getLogger(__name__)

TRAINEE_MODEL = "Trainee"
TRN_REQUEST_MODELS = frozenset({"Dqt::TrnRequest"})

ResolutionStatus = Literal[
    "found",
    "discarded",
    "trainee_not_found",
    "trn_request_gone",
    "no_target",
    "other_model",
    "not_checked",
]


@dataclass(frozen=True)
class TraineeSummary:
    """The trainee fields shown beside a job."""

    id: int
    slug: str
    first_names: str | None
    last_name: str | None
    trn: str | None
    state: int | None
    provider_id: int | None
    provider_name: str | None
    training_route: int | None
    discarded_at: datetime | None
    submitted_for_trn_at: datetime | None
    recommended_for_award_at: datetime | None
    trn_request_id: int | None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_names, self.last_name) if part)

    @property
    def state_label(self) -> str:
        return enums.state_label(self.state)

    @property
    def route_label(self) -> str:
        return enums.route_label(self.training_route)

    @property
    def has_trn(self) -> bool:
        """A TRN DQT would accept: seven digits (blank or short ones are not)."""
        trn = (self.trn or "").strip()
        return len(trn) == 7 and trn.isdigit()


@dataclass(frozen=True)
class Resolution:
    """What a job's record argument leads to."""

    status: ResolutionStatus
    target: GlobalIdRef | None = None
    trainee: TraineeSummary | None = None

    @property
    def trainee_id(self) -> int | None:
        return self.trainee.id if self.trainee else None

    @property
    def is_orphan(self) -> bool:
        """The job's record is gone or discarded: it will fail again if retried."""
        return self.status in ("discarded", "trainee_not_found", "trn_request_gone")

    @property
    def note(self) -> str:
        target = self.target
        if self.status == "found" and self.trainee:
            return f"trainee {self.trainee.id}"
        if self.status == "discarded" and self.trainee:
            when = self.trainee.discarded_at
            day = f" on {when:%Y-%m-%d}" if when else ""
            return f"trainee {self.trainee.id} discarded{day}"
        if self.status == "trainee_not_found" and target:
            return f"trainee {target.id} not found"
        if self.status == "trn_request_gone" and target:
            return f"TRN request {target.id}: row gone"
        if self.status == "other_model" and target:
            return f"points at {target}, not a trainee"
        if self.status == "not_checked" and target:
            return f"{target} (not checked: no database)"
        return "no record argument"


NO_TARGET = Resolution("no_target")


def _record_id(target: GlobalIdRef) -> int | None:
    text = target.id
    if not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= schema.BIGINT_MAX else None


def resolve_targets(
    engine: Engine, targets: Iterable[GlobalIdRef]
) -> dict[GlobalIdRef, Resolution]:
    """Each target's resolution, from one query over trainees and TRN requests."""
    targets = set(targets)
    trainee_ids = {
        number
        for target in targets
        if target.model == TRAINEE_MODEL and (number := _record_id(target))
    }
    request_ids = {
        number
        for target in targets
        if target.model in TRN_REQUEST_MODELS and (number := _record_id(target))
    }

    by_trainee: dict[int, TraineeSummary] = {}
    by_request: dict[int, TraineeSummary] = {}
    if trainee_ids or request_ids:
        started = time.perf_counter()
        rows = _query(engine, trainee_ids, request_ids)
        for row in rows:
            summary = _summary(row)
            by_trainee.setdefault(summary.id, summary)
            if row.trn_request_id is not None:
                by_request[row.trn_request_id] = summary
        log.info(
            "resolved %d trainee and %d TRN request ids in one query: %d rows, %.3f s",
            len(trainee_ids),
            len(request_ids),
            len(rows),
            time.perf_counter() - started,
        )

    resolved: dict[GlobalIdRef, Resolution] = {}
    for target in targets:
        number = _record_id(target)
        if target.model == TRAINEE_MODEL:
            found = by_trainee.get(number) if number else None
            resolved[target] = _found(target, found, "trainee_not_found")
        elif target.model in TRN_REQUEST_MODELS:
            found = by_request.get(number) if number else None
            resolved[target] = _found(target, found, "trn_request_gone")
        else:
            resolved[target] = Resolution("other_model", target)
    return resolved


def _found(
    target: GlobalIdRef, trainee: TraineeSummary | None, missing: ResolutionStatus
) -> Resolution:
    if trainee is None:
        return Resolution(missing, target)
    if trainee.discarded_at is not None:
        return Resolution("discarded", target, trainee)
    return Resolution("found", target, trainee)


def _select() -> Select[Any]:
    trainees = schema.trainees
    requests = schema.dqt_trn_requests
    providers = schema.providers
    return select(
        trainees.c.id,
        trainees.c.slug,
        trainees.c.first_names,
        trainees.c.last_name,
        trainees.c.trn,
        trainees.c.state,
        trainees.c.provider_id,
        providers.c.name.label("provider_name"),
        trainees.c.training_route,
        trainees.c.discarded_at,
        trainees.c.submitted_for_trn_at,
        trainees.c.recommended_for_award_at,
        requests.c.id.label("trn_request_id"),
    ).select_from(
        trainees.outerjoin(requests, requests.c.trainee_id == trainees.c.id).outerjoin(
            providers, providers.c.id == trainees.c.provider_id
        )
    )


def _query(engine: Engine, trainee_ids: set[int], request_ids: set[int]) -> list[Any]:
    """One statement: the trainees asked for, and the trainees of the TRN requests
    asked for, found by trainees' primary key.

    The requests' trainees join the wanted ids inside the array (array_cat), not
    through an OR across the joined tables: the OR made PostgreSQL scan every
    trainee (a million in production) on each load. One array parameter each
    rather than thousands of IN parameters.
    """
    requests = schema.dqt_trn_requests
    wanted: Any = bindparam("trainee_ids", sorted(trainee_ids), type_=ARRAY(BigInteger))
    if request_ids:
        asked = bindparam("request_ids", sorted(request_ids), type_=ARRAY(BigInteger))
        owners = select(requests.c.trainee_id).where(requests.c.id == any_(asked))
        wanted = func.array_cat(
            wanted, func.array(owners.scalar_subquery()), type_=ARRAY(BigInteger)
        )
    with engine.connect() as connection:
        return list(
            connection.execute(_select().where(schema.trainees.c.id == any_(wanted)))
        )


def find_trainee(engine: Engine, slug_or_id: str) -> TraineeSummary | None:
    """One trainee by slug (any case) or numeric id, discarded ones included."""
    from services.register.trainees import slug_matches

    text = slug_or_id.strip()
    with engine.connect() as connection:
        condition = slug_matches(connection, text)
        if text.isdigit() and int(text) <= schema.BIGINT_MAX:
            condition = or_(condition, schema.trainees.c.id == int(text))
        row = connection.execute(
            _select().where(condition).order_by(schema.dqt_trn_requests.c.id.desc())
        ).first()
    return _summary(row) if row is not None else None


def _summary(row: Any) -> TraineeSummary:
    return TraineeSummary(
        id=int(row.id),
        slug=str(row.slug),
        first_names=row.first_names,
        last_name=row.last_name,
        trn=row.trn,
        state=row.state,
        provider_id=row.provider_id,
        provider_name=row.provider_name,
        training_route=row.training_route,
        discarded_at=row.discarded_at,
        submitted_for_trn_at=row.submitted_for_trn_at,
        recommended_for_award_at=row.recommended_for_award_at,
        trn_request_id=row.trn_request_id,
    )


def resolve_jobs(
    engine: Engine | None, jobs: Sequence[FailedJob]
) -> dict[GlobalIdRef, Resolution]:
    """Resolutions of every job's target (one query); {} without a database."""
    targets = {job.target for job in jobs if job.target is not None}
    if engine is None or not targets:
        return {}
    return resolve_targets(engine, targets)


def resolution_of(
    job: FailedJob, resolutions: dict[GlobalIdRef, Resolution]
) -> Resolution:
    target = job.target
    if target is None:
        return NO_TARGET
    found = resolutions.get(target)
    if found is not None:
        return found
    if target.model == TRAINEE_MODEL or target.model in TRN_REQUEST_MODELS:
        return Resolution("not_checked", target)
    return Resolution("other_model", target)


# --- one trainee's jobs together --------------------------------------------------

_SET_ORDER = {"dead": 0, "retry": 1, "schedule": 2}


@dataclass
class TraineeGroup:
    """Every entry about one trainee (or one unresolved record): dead, retry,
    scheduled ActiveJob retries and queued jobs alike."""

    key: str
    resolution: Resolution
    jobs: list[FailedJob] = field(default_factory=list)

    @property
    def trainee_id(self) -> int | None:
        return self.resolution.trainee_id

    @property
    def notes(self) -> list[str]:
        return trainee_notes(self.jobs)

    @property
    def activejob_ids(self) -> set[str]:
        return {job.job_id for job in self.jobs if job.job_id}


def group_key(job: FailedJob, resolution: Resolution) -> str:
    if resolution.trainee is not None:
        return f"trainee:{resolution.trainee.id}"
    if job.target is not None:
        if job.target.model == TRAINEE_MODEL:
            return f"trainee:{job.target.id}"
        return f"record:{job.target}"
    if job.job_id:
        return f"activejob:{job.job_id}"
    return f"jid:{job.jid or id(job)}"


def group_by_trainee(
    jobs: Sequence[FailedJob], resolutions: dict[GlobalIdRef, Resolution]
) -> list[TraineeGroup]:
    """Groups in first-seen order; within one, dead then retry then scheduled."""
    groups: dict[str, TraineeGroup] = {}
    for job in jobs:
        resolution = resolution_of(job, resolutions)
        key = group_key(job, resolution)
        group = groups.get(key)
        if group is None:
            group = groups[key] = TraineeGroup(key, resolution)
        group.jobs.append(job)
    for group in groups.values():
        group.jobs.sort(key=lambda job: _SET_ORDER.get(job.where, 3))
    return list(groups.values())
