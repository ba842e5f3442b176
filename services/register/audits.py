"""Register's `audits` table: writing rows as the audited gem does, and reading them.

Writing (`write_trainee_audit`): a trainee's own audit row has auditable_type
'Trainee', associated_type 'Provider' with the trainee's provider id, action
'update', `audited_changes` JSONB `{"field": [old, new]}` holding enum columns as
their INTEGER database values (never names), date columns as "YYYY-MM-DD" and
datetime columns as UTC ISO text with milliseconds and "Z"
("2023-05-02T00:00:00.000Z", what Rails' JSON encoder writes), and the version one
above the trainee's last. It runs inside the caller's transaction so that the
audit row and the change it describes commit together or not at all.

Reading (`trainee_timeline`): the trainee's own audits plus those of its child
records (Degree, Nationalisation, TraineeDisability, which are associated to
the Trainee), newest first, grouped by request_uuid as Register's timeline
groups them, each change in plain words. Values are compared and shown through
Register's enum tables whichever form an audit holds (integer or name); an
integer Register does not define reads "unknown (9)". An audit of a fix that
only acted on Sidekiq jobs (`write_trainee_job_audit`, no field changed) is
titled by its job step and marked hidden: Register's timeline shows nothing
for an audit without changed fields.

`previous_state_before_withdrawal` finds the state to restore when a
withdrawal is undone, the way Register's UndoWithdrawalForm does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import IntEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from services.register import enums
from services.register.enums import TraineeState
from services.register.schema import audits, trainees

log = logging.getLogger(__name__)

TOOL_NAME = "register-triage"

# Columns the audited gem never records (its default ignored attributes).
_IGNORED_COLUMNS = frozenset(
    {"id", "created_at", "updated_at", "lock_version", "created_on", "updated_on"}
)

# Trainee columns that Rails declares as integer enums.
TRAINEE_ENUM_COLUMNS: dict[str, type[IntEnum]] = {
    "state": enums.TraineeState,
    "training_route": enums.TrainingRoute,
    "training_initiative": enums.TrainingInitiative,
    "sex": enums.Sex,
    "study_mode": enums.StudyMode,
    "course_education_phase": enums.CourseEducationPhase,
    "commencement_status": enums.CommencementStatus,
    "bursary_tier": enums.BursaryTier,
    "diversity_disclosure": enums.DiversityDisclosure,
    "disability_disclosure": enums.DisabilityDisclosure,
    "ethnic_group": enums.EthnicGroup,
    "withdraw_reason": enums.WithdrawReason,
    "locale_code": enums.LocaleCode,
}

# Enum columns of the child records whose audits join the trainee's timeline.
_CHILD_ENUM_COLUMNS: dict[str, dict[str, type[IntEnum]]] = {
    "Degree": {"locale_code": enums.LocaleCode},
}

# State the UndoWithdrawalForm restores when the audits do not say.
DEFAULT_STATE_AFTER_WITHDRAWAL = TraineeState.trn_received


class AuditWriteError(ValueError):
    """The audit cannot be written as asked; the message says why."""


def audit_username(operator: str) -> str:
    """The `username` the product writes: "Ada Lovelace via register-triage"."""
    return f"{operator.strip()} via {TOOL_NAME}"


# --- value encoding --------------------------------------------------------


def format_audit_datetime(moment: datetime) -> str:
    """A datetime as Rails writes it into JSON: UTC, milliseconds, "Z".

    Register's timestamp columns hold UTC without a zone, so a naive value is
    taken as UTC.
    """
    return _naive_utc(moment).isoformat(timespec="milliseconds") + "Z"


def _parse_datetime(text: str) -> datetime:
    return _naive_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))


def _encode_value(table_column: Any, column: str, value: Any) -> Any:
    """One side of a change, in the form the audited gem stores it."""
    if value is None:
        return None

    enum_type = TRAINEE_ENUM_COLUMNS.get(column)
    if enum_type is not None:
        if isinstance(value, int) and not isinstance(value, bool):
            # An integer is already a database value, known to Rails or not.
            return int(value)
        member = enums.coerce(enum_type, value)
        if member is None:
            raise AuditWriteError(
                f"{column}: {value!r} is not one of Register's {enum_type.__name__}"
                " values"
            )
        return int(member)

    column_type = table_column.type
    if isinstance(column_type, DateTime):
        if isinstance(value, datetime):
            return format_audit_datetime(value)
        if isinstance(value, date):
            return format_audit_datetime(datetime(value.year, value.month, value.day))
        if isinstance(value, str):
            try:
                return format_audit_datetime(_parse_datetime(value))
            except ValueError as error:
                raise AuditWriteError(
                    f"{column}: {value!r} is not a datetime"
                ) from error
    if isinstance(column_type, Date):
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()).isoformat()
            except ValueError as error:
                # The value is left out: this column may be a date of birth.
                message = f"{column}: is not a date (YYYY-MM-DD expected)"
                raise AuditWriteError(message) from error
    if isinstance(value, UUID):
        return str(value)
    return value


def normalise_audited_changes(
    changes: Mapping[str, Sequence[Any]],
) -> dict[str, list[Any]]:
    """`{"field": [old, new]}` exactly as the audited gem stores a trainee update.

    Enum values become integers (names are accepted and converted), dates and
    datetimes become Rails' JSON text. Also used to compare a planned change
    with an existing audit on equal terms (integers on both sides).
    """
    if not changes:
        raise AuditWriteError("an audit needs at least one change")

    normalised: dict[str, list[Any]] = {}
    for column, pair in changes.items():
        if column in _IGNORED_COLUMNS:
            raise AuditWriteError(f"{column} is never audited by Register")
        if column not in trainees.c:
            raise AuditWriteError(f"trainees has no column {column!r}")
        if isinstance(pair, str | bytes) or len(pair) != 2:
            raise AuditWriteError(f"{column}: a change must be [old, new]")
        table_column = trainees.c[column]
        old, new = pair
        normalised[column] = [
            _encode_value(table_column, column, old),
            _encode_value(table_column, column, new),
        ]
    return normalised


def _name_to_int(enum_type: type[IntEnum], value: Any) -> Any:
    if isinstance(value, str):
        member = enums.coerce(enum_type, value)
        if member is not None:
            return int(member)
    return value


def _normalise_stored(audited_changes: Mapping[str, Any]) -> dict[str, Any]:
    """A stored update audit's changes with enum names turned into integers."""
    normalised: dict[str, Any] = {}
    for column, pair in audited_changes.items():
        enum_type = TRAINEE_ENUM_COLUMNS.get(column)
        if enum_type is not None and isinstance(pair, list):
            pair = [_name_to_int(enum_type, value) for value in pair]
        normalised[column] = pair
    return normalised


def last_audit_records(
    conn: Connection, trainee_id: int, changes: Mapping[str, Sequence[Any]]
) -> bool:
    """Whether the trainee's newest audit already records exactly `changes`.

    Both sides are normalised first (enum names to integers, dates to Rails'
    text), so an audit holding `["submitted_for_trn", 2]` and a planned change
    `(1, "trn_received")` are the same change, and neither a duplicate audit
    is written nor a real change missed.
    """
    planned = normalise_audited_changes(changes)
    stored = conn.execute(
        select(audits.c.audited_changes)
        .where(
            audits.c.auditable_type == "Trainee",
            audits.c.auditable_id == trainee_id,
            audits.c.action == "update",
        )
        .order_by(
            audits.c.version.desc().nulls_last(),
            audits.c.created_at.desc().nulls_last(),
            audits.c.id.desc(),
        )
        .limit(1)
    ).scalar()
    if not isinstance(stored, Mapping):
        return False
    return _normalise_stored(stored) == planned


# --- writing ---------------------------------------------------------------


def write_trainee_audit(
    conn: Connection,
    *,
    trainee_id: int,
    provider_id: int,
    changes: Mapping[str, Sequence[Any]],
    comment: str,
    username: str,
    request_uuid: str,
    now: datetime,
) -> int:
    """Insert the trainee's audit row for `changes`; returns the new audit id.

    Locks the trainee row (FOR UPDATE) first so that two writers cannot take
    the same version, then touches `trainees.updated_at`. Runs in the caller's
    transaction; the caller writes the changed columns themselves.
    """
    if not comment or not comment.strip():
        raise AuditWriteError("an audit comment is required")
    audited_changes = normalise_audited_changes(changes)
    return _insert_trainee_audit(
        conn,
        trainee_id=trainee_id,
        provider_id=provider_id,
        audited_changes=audited_changes,
        comment=comment,
        username=username,
        request_uuid=request_uuid,
        now=now,
        touch=True,
    )


def write_trainee_job_audit(
    conn: Connection,
    *,
    trainee_id: int,
    provider_id: int,
    comment: str,
    job_lines: Sequence[str],
    username: str,
    request_uuid: str,
    now: datetime,
) -> int:
    """Insert the audit row of a fix that only acts on the trainee's Sidekiq jobs.

    Same form as `write_trainee_audit`, with `audited_changes` `{}`: no field
    changed, so Register's timeline (built from the changed fields) shows
    nothing new to providers. The comment is the operator's, then one line per
    job step (see `job_note`). `updated_at` is left alone: the record itself
    did not change.
    """
    if not comment or not comment.strip():
        raise AuditWriteError("an audit comment is required")
    if not job_lines:
        raise AuditWriteError("a job audit needs at least one job step")
    return _insert_trainee_audit(
        conn,
        trainee_id=trainee_id,
        provider_id=provider_id,
        audited_changes={},
        comment=job_audit_comment(comment, job_lines),
        username=username,
        request_uuid=request_uuid,
        now=now,
        touch=False,
    )


# How a job step is named in an audit comment: "register-triage: deleted ...".
JOB_NOTE_PREFIX = f"{TOOL_NAME}: "


def job_note(line: str) -> str:
    """One job step as written into an audit comment."""
    return f"{JOB_NOTE_PREFIX}{line}"


def job_audit_comment(comment: str, job_lines: Sequence[str]) -> str:
    """The operator's comment, then one line per job step."""
    return "\n".join([comment.strip(), *(job_note(line) for line in job_lines)])


def job_notes_in(comment: str | None) -> list[str]:
    """The job steps named in an audit comment (without the prefix)."""
    return [
        line[len(JOB_NOTE_PREFIX) :]
        for line in (comment or "").splitlines()
        if line.startswith(JOB_NOTE_PREFIX)
    ]


def _insert_trainee_audit(
    conn: Connection,
    *,
    trainee_id: int,
    provider_id: int,
    audited_changes: dict[str, Any],
    comment: str,
    username: str,
    request_uuid: str,
    now: datetime,
    touch: bool,
) -> int:
    moment = _naive_utc(now)

    locked = conn.execute(
        select(trainees.c.id).where(trainees.c.id == trainee_id).with_for_update()
    ).first()
    if locked is None:
        raise AuditWriteError(f"trainee {trainee_id} does not exist")

    last_version = conn.execute(
        select(func.max(audits.c.version)).where(
            audits.c.auditable_type == "Trainee",
            audits.c.auditable_id == trainee_id,
        )
    ).scalar()
    version = (last_version or 0) + 1

    audit_id = conn.execute(
        audits.insert()
        .values(
            auditable_id=trainee_id,
            auditable_type="Trainee",
            associated_id=provider_id,
            associated_type="Provider",
            user_id=None,
            user_type=None,
            username=username,
            action="update",
            audited_changes=audited_changes,
            version=version,
            comment=comment,
            remote_address=None,
            request_uuid=request_uuid,
            created_at=moment,
        )
        .returning(audits.c.id)
    ).scalar_one()

    if touch:
        conn.execute(
            update(trainees)
            .where(trainees.c.id == trainee_id)
            .values(updated_at=moment)
        )

    log.info(
        "audit %s written for trainee %s: version %s, fields %s, request %s",
        audit_id,
        trainee_id,
        version,
        ",".join(sorted(audited_changes)) or "none (job steps only)",
        request_uuid,
    )
    return int(audit_id)


def _naive_utc(moment: datetime) -> datetime:
    """UTC without a zone, as Register's timestamp columns hold it."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


# --- reading ---------------------------------------------------------------


@dataclass(frozen=True)
class ChangeLine:
    """One field of one audit: raw values as stored and the words for people."""

    field: str
    label: str
    old: Any
    new: Any
    old_text: str
    new_text: str


@dataclass(frozen=True)
class AuditRecord:
    id: int
    auditable_type: str
    auditable_id: int | None
    action: str
    version: int | None
    username: str | None
    comment: str | None
    request_uuid: str | None
    created_at: datetime | None
    changes: tuple[ChangeLine, ...]

    @property
    def state_change(self) -> tuple[int | None, int | None] | None:
        """(old, new) state as integers when this audit changed the state."""
        if self.auditable_type != "Trainee":
            return None
        for change in self.changes:
            if change.field == "state":
                return (_state_int(change.old), _state_int(change.new))
        return None


@dataclass(frozen=True)
class TimelineEntry:
    """Audits written by one request (one `request_uuid`), as one event.

    `title` names the event as Register's timeline would ("Withdrawal undone",
    "QTS awarded", "Degree added" ...). `shown_in_register` is False for audits
    Register's own timeline hides (before the TRN submission except the
    creation, HESA degree imports), with the reason in `hidden_reason`.
    """

    at: datetime | None
    title: str
    username: str | None
    comment: str | None
    request_uuid: str | None
    audits: tuple[AuditRecord, ...]
    shown_in_register: bool = True
    hidden_reason: str | None = None
    lines: tuple[str, ...] = field(default_factory=tuple)

    @property
    def comment_first_line(self) -> str | None:
        if not self.comment:
            return None
        return self.comment.strip().splitlines()[0] if self.comment.strip() else None


def _state_int(value: Any) -> int | None:
    """A state from an audit as an integer: names are mapped, unknown ints kept."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    member = enums.coerce(TraineeState, value)
    return None if member is None else int(member)


def _value_text(enum_type: type[IntEnum] | None, value: Any) -> str:
    if enum_type is not None:
        return enums.label(enum_type, value)
    if value is None or value == "":
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and "T" in value and value.endswith("Z"):
        try:
            return _parse_datetime(value).strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


def _change_lines(
    auditable_type: str, action: str, audited_changes: Any
) -> tuple[ChangeLine, ...]:
    if not isinstance(audited_changes, Mapping):
        return ()
    enum_columns = (
        TRAINEE_ENUM_COLUMNS
        if auditable_type == "Trainee"
        else _CHILD_ENUM_COLUMNS.get(auditable_type, {})
    )

    lines = []
    for column, stored in audited_changes.items():
        # Updates store [old, new]; creates store the value, destroys the old one.
        if action == "update" and isinstance(stored, list) and len(stored) == 2:
            old, new = stored
        elif action == "destroy":
            old, new = stored, None
        else:
            old, new = None, stored
        enum_type = enum_columns.get(column)
        lines.append(
            ChangeLine(
                field=column,
                label=enums.plain_words(column),
                old=old,
                new=new,
                old_text=_value_text(enum_type, old),
                new_text=_value_text(enum_type, new),
            )
        )
    return tuple(lines)


# Built once: a trainee's own audits and its child records', newest first.
_OWN_AND_ASSOCIATED = (
    select(audits)
    .where(
        or_(
            and_(
                audits.c.auditable_type == "Trainee",
                audits.c.auditable_id == bindparam("trainee_id", type_=Integer),
            ),
            and_(
                audits.c.associated_type == "Trainee",
                audits.c.associated_id == bindparam("trainee_id", type_=Integer),
            ),
        )
    )
    .order_by(audits.c.created_at.desc().nulls_last(), audits.c.id.desc())
)


def load_trainee_audits(conn: Connection, trainee_id: int) -> list[AuditRecord]:
    """The trainee's own and associated audits, newest first."""
    rows = conn.execute(_OWN_AND_ASSOCIATED, {"trainee_id": trainee_id}).mappings()

    records = []
    for row in rows:
        auditable_type = row["auditable_type"] or "unknown"
        action = row["action"] or "update"
        records.append(
            AuditRecord(
                id=row["id"],
                auditable_type=auditable_type,
                auditable_id=row["auditable_id"],
                action=action,
                version=row["version"],
                username=row["username"],
                comment=row["comment"],
                request_uuid=row["request_uuid"],
                created_at=row["created_at"],
                changes=_change_lines(auditable_type, action, row["audited_changes"]),
            )
        )
    return records


def _state_title(old: int | None, new: int | None, award: str, by_user: bool) -> str:
    """Register's wording of a state change (Trainees::CreateTimelineEvents)."""
    if old == TraineeState.withdrawn and new != TraineeState.withdrawn and by_user:
        return "Withdrawal undone"
    if old == TraineeState.awarded and new != TraineeState.awarded and by_user:
        return f"{award} award removed"
    if old == TraineeState.deferred and new not in (
        TraineeState.withdrawn,
        TraineeState.awarded,
        TraineeState.deferred,
    ):
        return "Trainee reinstated"
    titles = {
        TraineeState.draft: "Returned to draft",
        TraineeState.submitted_for_trn: "Trainee submitted for TRN",
        TraineeState.trn_received: "TRN received",
        TraineeState.recommended_for_award: f"Trainee recommended for {award}",
        TraineeState.withdrawn: "Trainee withdrawn",
        TraineeState.deferred: "Trainee deferred",
        TraineeState.awarded: f"{award} awarded",
    }
    if new in titles:
        return titles[TraineeState(new)]
    return f"State changed to {enums.state_label(new)}"


def _audit_title(record: AuditRecord, award: str) -> str:
    kind = "Record" if record.auditable_type == "Trainee" else record.auditable_type
    if record.action == "create":
        return "Record created" if kind == "Record" else f"{kind} added"
    if record.action == "destroy":
        return f"{kind} deleted"
    state = record.state_change
    if state is not None:
        by_user = record.username not in (None, "HESA", "DTTP")
        return _state_title(state[0], state[1], award, by_user)
    labels = [change.label for change in record.changes]
    notes = job_notes_in(record.comment)
    if not labels and notes and kind == "Record":
        # A fix that only acted on Sidekiq jobs: named by its first job step.
        more = f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""
        return f"Job: {notes[0]}{more}"
    if not labels:
        return f"{kind} updated"
    shown = ", ".join(labels[:3]) + (" ..." if len(labels) > 3 else "")
    prefix = "" if kind == "Record" else f"{kind} "
    return f"{prefix}{shown} updated".capitalize()


def _hidden_reason(
    record: AuditRecord, submitted_for_trn_at: datetime | None
) -> str | None:
    """Why Register's own timeline would not show this audit, if it would not."""
    if record.auditable_type == "Degree" and record.username == "HESA":
        return "HESA degree import (Register hides these)"
    if record.action == "update" and not record.changes:
        # Register builds its events from the changed fields: none here.
        return "no field changed, only Sidekiq jobs"
    if (
        submitted_for_trn_at is not None
        and record.created_at is not None
        and record.created_at < submitted_for_trn_at
        and not (record.auditable_type == "Trainee" and record.action == "create")
    ):
        return "before the TRN submission (Register shows only the creation)"
    return None


def trainee_timeline(conn: Connection, trainee_id: int) -> list[TimelineEntry]:
    """The trainee's history in plain words, newest first, one entry per request.

    Audits sharing a request_uuid are one event (one form save in Register, one
    fix in this product); audits without one stand alone. Nothing is dropped:
    audits Register's timeline would hide are kept and marked.
    """
    trainee = conn.execute(
        select(trainees.c.training_route, trainees.c.submitted_for_trn_at).where(
            trainees.c.id == trainee_id
        )
    ).first()
    route = trainee.training_route if trainee is not None else None
    submitted_at = trainee.submitted_for_trn_at if trainee is not None else None
    award = enums.award_type(route)

    # Group while keeping newest-first order of each group's newest audit.
    groups: dict[str, list[AuditRecord]] = {}
    for record in load_trainee_audits(conn, trainee_id):
        key = (
            f"request:{record.request_uuid}"
            if record.request_uuid
            else f"audit:{record.id}"
        )
        groups.setdefault(key, []).append(record)

    entries = []
    for records in groups.values():
        # The state change names the event when there is one.
        lead = next((r for r in records if r.state_change is not None), records[0])
        hidden = [_hidden_reason(r, submitted_at) for r in records]
        comment = next((r.comment for r in records if r.comment), None)
        lines = tuple(
            f"{change.label}: {change.old_text} → {change.new_text}"
            if record.action == "update"
            else f"{change.label}: {change.new_text or change.old_text}"
            for record in records
            for change in record.changes
        ) + tuple(
            f"Sidekiq: {note}"
            for record in records
            if not record.changes
            for note in job_notes_in(record.comment)
        )
        entries.append(
            TimelineEntry(
                at=records[0].created_at,
                title=_audit_title(lead, award),
                username=lead.username,
                comment=comment,
                request_uuid=lead.request_uuid,
                audits=tuple(records),
                shown_in_register=any(reason is None for reason in hidden),
                hidden_reason=None if any(r is None for r in hidden) else hidden[0],
                lines=lines,
            )
        )
    return entries


# --- undo withdrawal -------------------------------------------------------


@dataclass(frozen=True)
class PreviousState:
    """The state to restore when undoing a withdrawal, and where it came from.

    `found` is False when the audits do not show a change into withdrawn with
    a usable old state; `state` is then Register's default, trn_received.
    """

    state: int
    found: bool
    audit_id: int | None
    audit_version: int | None
    note: str

    @property
    def label(self) -> str:
        return enums.state_label(self.state)


def previous_state_before_withdrawal(
    conn: Connection, trainee_id: int
) -> PreviousState:
    """The state before the trainee's last change INTO withdrawn (4).

    Audits may hold the state as an integer (Register's normal form) or a name
    (hand-written or very old rows): both are normalised to integers. The
    newest change into withdrawn wins; if its old state is missing, withdrawn
    again or not a state Register knows, the default is used and `note` says why.
    """
    rows = conn.execute(
        select(
            audits.c.id,
            audits.c.version,
            audits.c.action,
            audits.c.audited_changes,
        )
        .where(
            audits.c.auditable_type == "Trainee",
            audits.c.auditable_id == trainee_id,
            audits.c.audited_changes.has_key("state"),
        )
        .order_by(
            audits.c.version.desc().nulls_last(),
            audits.c.created_at.desc().nulls_last(),
            audits.c.id.desc(),
        )
    ).all()

    default = int(DEFAULT_STATE_AFTER_WITHDRAWAL)
    for row in rows:
        # jsonb's `?` also matches an array holding "state": only objects count.
        changes = row.audited_changes
        stored = changes.get("state") if isinstance(changes, Mapping) else None
        if row.action != "update" or not isinstance(stored, list) or len(stored) != 2:
            continue
        old, new = (_state_int(value) for value in stored)
        if new != TraineeState.withdrawn:
            continue
        if old is None or old == TraineeState.withdrawn:
            return PreviousState(
                default,
                False,
                row.id,
                row.version,
                f"audit {row.id} (version {row.version}) does not say which state"
                f" came before withdrawn ({stored[0]!r}); Register's default"
                f" {enums.state_label(default)} is used",
            )
        if enums.coerce(TraineeState, old) is None:
            return PreviousState(
                default,
                False,
                row.id,
                row.version,
                f"audit {row.id} (version {row.version}) has state {old}, which"
                f" Register does not define; Register's default"
                f" {enums.state_label(default)} is used",
            )
        return PreviousState(
            old,
            True,
            row.id,
            row.version,
            f"audit {row.id} (version {row.version}) changed the state from"
            f" {enums.state_label(old)} to withdrawn",
        )

    return PreviousState(
        default,
        False,
        None,
        None,
        "no audit shows the change into withdrawn; Register's default"
        f" {enums.state_label(default)} is used",
    )
