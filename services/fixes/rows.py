"""Reading the rows a fix works on, and telling what changed since a preview.

Trainees are named by slug (compared the way the slug index of the server at
hand can serve, see `slug_matches`) or by numeric id. The fingerprint holds the
whole trainee row, so a refusal can say which column changed, not only that
`updated_at` moved.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, RowMapping

from services.fixes.base import PRIVATE_COLUMNS, Fingerprint, canonical
from services.fixes.values import display_value
from services.register.schema import BIGINT_MAX, dqt_trn_requests, trainees
from services.register.trainees import slug_matches

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)


def find_trainee(
    conn: Connection, target: str | int, *, for_update: bool = False
) -> RowMapping | None:
    """The trainee row by slug or numeric id; `for_update` locks it."""
    query = select(trainees)
    text = str(target).strip()
    if text.isdigit() and int(text) <= BIGINT_MAX:
        query = query.where(trainees.c.id == int(text))
    else:
        query = query.where(slug_matches(conn, text))
    if for_update:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def trainee_ids_with_trn(conn: Connection, trn: str) -> list[int]:
    """Ids of the trainees holding this TRN (normally one), in id order."""
    query = select(trainees.c.id).where(trainees.c.trn == trn).order_by(trainees.c.id)
    return [int(trainee_id) for trainee_id in conn.execute(query).scalars()]


def find_trn_request(conn: Connection, trainee_id: int) -> RowMapping | None:
    """The trainee's `dqt_trn_requests` row (Register keeps one per trainee)."""
    query = (
        select(dqt_trn_requests)
        .where(dqt_trn_requests.c.trainee_id == trainee_id)
        .order_by(dqt_trn_requests.c.id.desc())
    )
    return conn.execute(query).mappings().first()


def row_snapshot(row: RowMapping) -> tuple[tuple[str, Any], ...]:
    return tuple((str(key), canonical(value)) for key, value in row.items())


def trn_request_snapshot(row: RowMapping | None) -> tuple[tuple[str, Any], ...]:
    if row is None:
        return (("dqt_trn_requests", None),)
    return (
        ("dqt_trn_requests.id", row["id"]),
        ("dqt_trn_requests.request_id", str(row["request_id"])),
        ("dqt_trn_requests.state", row["state"]),
    )


def make_fingerprint(
    row: RowMapping | None,
    *,
    related: Iterable[tuple[str, Any]] = (),
    members: Iterable[tuple[str, bytes]] = (),
) -> Fingerprint:
    return Fingerprint(
        trainee_id=None if row is None else int(row["id"]),
        updated_at=None if row is None else row["updated_at"],
        row=() if row is None else row_snapshot(row),
        related=tuple(related),
        members=tuple(members),
    )


def _describe_column_change(column: str, old: Any, new: Any) -> str:
    if column in PRIVATE_COLUMNS:
        return f"{column} changed since the preview"
    return (
        f"{column} changed from {display_value(column, old)} to "
        f"{display_value(column, new)} since the preview"
    )


def row_differences(fingerprint: Fingerprint, row: RowMapping | None) -> list[str]:
    """What differs between the previewed trainee row and the row now."""
    if fingerprint.trainee_id is None:
        return []
    if row is None:
        return [f"trainee {fingerprint.trainee_id} no longer exists"]

    now = dict(row_snapshot(row))
    differences = [
        _describe_column_change(column, old, now.get(column))
        for column, old in fingerprint.row
        if column != "updated_at" and now.get(column) != old
    ]
    if not differences and row["updated_at"] != fingerprint.updated_at:
        differences.append(
            "the trainee record was saved again since the preview "
            f"(updated_at {fingerprint.updated_at} -> {row['updated_at']})"
        )
    return differences


def related_differences(conn: Connection, fingerprint: Fingerprint) -> list[str]:
    """Differences in the trainee's TRN request row, when the fix depends on it."""
    keys = {name for name, _ in fingerprint.related}
    if fingerprint.trainee_id is None or not keys & {
        "dqt_trn_requests",
        "dqt_trn_requests.id",
    }:
        return []
    now = dict(trn_request_snapshot(find_trn_request(conn, fingerprint.trainee_id)))
    return [
        f"{name} changed from {old} to {now.get(name)} since the preview"
        for name, old in fingerprint.related
        if name.startswith("dqt_trn_requests") and now.get(name) != old
    ]


def member_differences(client: redis.Redis, fingerprint: Fingerprint) -> list[str]:
    """Each previewed Sidekiq member that is no longer where it was."""
    differences = []
    for set_name, member in fingerprint.members:
        if client.zscore(set_name, member) is None:
            differences.append(
                f"job {_jid_of(member)} is no longer in the {set_name} set "
                "(retried or deleted since the preview)"
            )
    return differences


def _jid_of(member: bytes) -> str:
    try:
        jid = json.loads(member).get("jid")
    except (ValueError, AttributeError):
        jid = None
    return str(jid) if jid else "(unreadable member)"
