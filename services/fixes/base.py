"""What every fix shares: its context, its preview and its outcome.

A fix is two steps. `preview()` reads Register (and DQT or Sidekiq where it needs
to) and says exactly what it would change; nothing is written. `apply()` (in
`services/fixes/apply.py`) takes that preview, checks that the rows and jobs are
still as they were when it was computed, and makes exactly those changes.

The preview carries a `Fingerprint` of what it was computed from: the trainee's
row as read (its `updated_at` and every column), related rows the fix depends
on, and the exact bytes of the Sidekiq members it touches. If any of these
differ at apply time the fix is refused with the differences named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from services.fixes.values import display_value
from services.register.audits import audit_username

if TYPE_CHECKING:
    import redis
    from sqlalchemy.engine import Engine

    from services.journal import Journal

# Columns whose values are shown in a preview but never recorded or logged.
PRIVATE_COLUMNS = frozenset({"date_of_birth"})

OutcomeStatus = Literal["applied", "refused", "failed", "partial", "previewed"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class FixContext:
    """Everything a fix needs to read and write; built once per session."""

    engine: Engine
    redis: redis.Redis
    journal: Journal
    operator: str
    writes_enabled: bool
    dqt_base_url: str | None = None
    dqt_api_key: str | None = None
    sidekiq_major: Literal["6", "7", "8"] = "6"
    institutions_path: Path | None = None
    clock: Callable[[], datetime] = _utc_now

    def now(self) -> datetime:
        """Aware UTC time (tests and snapshots inject a fixed clock)."""
        moment = self.clock()
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def now_naive_utc(self) -> datetime:
        """The time as Rails stores it in a `datetime` column: naive UTC."""
        return self.now().astimezone(UTC).replace(tzinfo=None)

    def today(self) -> date:
        return self.now().date()

    @property
    def audit_username(self) -> str:
        return audit_username(self.operator)


@dataclass(frozen=True)
class FieldChange:
    """One trainee column: raw values for writing, plain words for people."""

    column: str
    old: Any
    new: Any

    @property
    def old_label(self) -> str:
        return display_value(self.column, self.old)

    @property
    def new_label(self) -> str:
        return display_value(self.column, self.new)

    def describe(self) -> str:
        return f"{self.column}: {self.old_label} -> {self.new_label}"

    def describe_for_record(self) -> str:
        """`describe()` for outcomes, logs and the journal: no date of birth."""
        if self.column in PRIVATE_COLUMNS:
            return f"{self.column} changed"
        return self.describe()

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "old": self.old_label,
            "new": self.new_label,
        }


@dataclass(frozen=True)
class RowWrite:
    """One column of a related row (not the trainee), e.g. the TRN request's state.

    Written in the same transaction as the trainee's changes, only if the column
    still holds `old`; not audited, like Register (those tables are not audited).
    """

    table: str
    row_id: int
    column: str
    old: Any
    new: Any
    old_label: str = ""
    new_label: str = ""

    def describe(self) -> str:
        old = self.old_label or display_value(self.column, self.old)
        new = self.new_label or display_value(self.column, self.new)
        return f"{self.table} {self.row_id} {self.column}: {old} -> {new}"

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "id": self.row_id, "change": self.describe()}


RedisChangeKind = Literal["retry", "delete", "enqueue", "ordered_start"]


@dataclass(frozen=True)
class RedisChange:
    """One Sidekiq step, in the order it will run.

    `retry` and `delete` name an exact member of a sorted set; `enqueue` names a
    new ActiveJob job for a trainee (and, for polling, the TRN request row and
    the timeout date). `manual_command` does the same by hand if this step
    cannot run.
    """

    kind: RedisChangeKind
    description: str
    job_class: str
    jid: str | None = None
    set_name: str | None = None
    member: bytes | None = None
    trainee_id: int | None = None
    slug: str | None = None
    trn_request_id: int | None = None
    timeout: date | None = None
    manual_command: str = ""
    # A retry of an award job although the trainee's update has not gone through.
    force: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "description": self.description,
            "job_class": self.job_class,
            "jid": self.jid,
            "set": self.set_name,
            "timeout": None if self.timeout is None else self.timeout.isoformat(),
        }


@dataclass(frozen=True)
class Fingerprint:
    """What a preview was computed from; compared again inside apply."""

    trainee_id: int | None
    updated_at: datetime | None
    row: tuple[tuple[str, Any], ...] = ()
    related: tuple[tuple[str, Any], ...] = ()
    members: tuple[tuple[str, bytes], ...] = ()

    @property
    def digest(self) -> str:
        parts = [
            str(self.trainee_id),
            str(self.updated_at),
            repr(self.row),
            repr(self.related),
            repr(self.members),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Preview:
    """Exactly what a fix would do; nothing has been written."""

    fix: str
    trainee_id: int | None
    slug: str | None
    summary: str
    fingerprint: Fingerprint
    db_changes: tuple[FieldChange, ...] = ()
    redis_changes: tuple[RedisChange, ...] = ()
    # Columns of other rows written in the same transaction (see RowWrite).
    related_writes: tuple[RowWrite, ...] = ()
    dqt_calls: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    blocked: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    # Text for someone else (the DQT team): shown, copied, never sent by us.
    message: str | None = None
    # A read-only fix writes nothing; applying it only records that it was seen.
    read_only: bool = False
    # Steps after this fix that the operator should consider.
    next_steps: tuple[str, ...] = ()

    @property
    def param_dict(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def changes_anything(self) -> bool:
        return bool(self.db_changes or self.redis_changes or self.related_writes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fix": self.fix,
            "trainee_id": self.trainee_id,
            "slug": self.slug,
            "summary": self.summary,
            "db_changes": [change.to_dict() for change in self.db_changes],
            "redis_changes": [change.to_dict() for change in self.redis_changes],
            "related_writes": [write.to_dict() for write in self.related_writes],
            "dqt_calls": list(self.dqt_calls),
            "warnings": list(self.warnings),
            "blocked": self.blocked,
            "params": self.param_dict,
            "message": self.message,
            "read_only": self.read_only,
            "next_steps": list(self.next_steps),
            "fingerprint": self.fingerprint.digest,
        }


@dataclass(frozen=True)
class Outcome:
    """What happened when a preview was applied (also what the journal says)."""

    status: OutcomeStatus
    fix: str
    trainee_id: int | None
    summary: str
    request_uuid: str | None = None
    audit_ids: tuple[int, ...] = ()
    done: tuple[str, ...] = ()
    left_to_do: tuple[str, ...] = ()
    message: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("applied", "previewed")

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "fix": self.fix,
            "trainee_id": self.trainee_id,
            "summary": self.summary,
            "request_uuid": self.request_uuid,
            "audit_ids": list(self.audit_ids),
            "done": list(self.done),
            "left_to_do": list(self.left_to_do),
            "message": self.message,
        }


class FixInputError(ValueError):
    """A parameter the fix cannot use; the message is for the operator."""


@dataclass(frozen=True)
class ParamSpec:
    name: str
    help: str
    required: bool = False
    default: str | None = None


class Fix:
    """A playbook fix: `preview` is the fix's own; `apply` is shared."""

    name: str = ""
    title: str = ""
    description: str = ""
    params: Sequence[ParamSpec] = ()
    # Does the preview need the DQT API?
    needs_dqt: bool = False

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        raise NotImplementedError

    def check_params(self, params: Mapping[str, str]) -> dict[str, str]:
        """The parameters with defaults; FixInputError for unknown or missing."""
        known = {spec.name: spec for spec in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            allowed = ", ".join(known) or "none"
            raise FixInputError(
                f"{self.name} does not take {', '.join(unknown)} (takes: {allowed})"
            )
        values: dict[str, str] = {}
        for spec in self.params:
            if spec.name in params and params[spec.name] != "":
                values[spec.name] = params[spec.name]
            elif spec.required:
                raise FixInputError(f"{self.name} needs {spec.name}: {spec.help}")
            elif spec.default is not None:
                values[spec.name] = spec.default
        return values


def canonical(value: Any) -> Any:
    """A value in a stable, comparable form for fingerprints."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value
