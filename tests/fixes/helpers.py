"""Rows and readers shared by the fix tests (real PostgreSQL and Redis)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select

from services.fixes.base import FixContext
from services.journal import JournalEntry
from services.register.schema import (
    audits,
    degrees,
    dqt_trn_requests,
    providers,
    trainees,
)

FIXED_NOW = datetime(2023, 6, 12, 10, 30, tzinfo=UTC)
CREATED = datetime(2023, 1, 5, 9, 0)
PROVIDER_ID = 77
PROVIDER_UKPRN = "10000001"


def add_provider(engine: Any, provider_id: int = PROVIDER_ID) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(providers).values(
                id=provider_id,
                name="Synthetic Teacher Training Partnership",
                code="S01",
                ukprn=PROVIDER_UKPRN,
                created_at=CREATED,
                updated_at=CREATED,
            )
        )


def add_trainee(engine: Any, trainee_id: int, **columns: Any) -> dict[str, Any]:
    """A trainee with sensible defaults; `columns` override them."""
    values: dict[str, Any] = {
        "id": trainee_id,
        "slug": f"slug{trainee_id:020d}",
        "first_names": "Ada",
        "last_name": "Fenwick",
        "date_of_birth": date(1994, 3, 7),
        "email": "ada.fenwick@example.org",
        "provider_id": PROVIDER_ID,
        "training_route": 1,
        "state": 2,
        "trn": "2345670",
        "submitted_for_trn_at": datetime(2023, 1, 10, 12, 0),
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    values.update(columns)
    with engine.begin() as conn:
        conn.execute(insert(trainees).values(**values))
    return values


def add_audit(engine: Any, trainee_id: int, **columns: Any) -> None:
    values: dict[str, Any] = {
        "auditable_type": "Trainee",
        "auditable_id": trainee_id,
        "associated_type": "Provider",
        "associated_id": PROVIDER_ID,
        "action": "update",
        "username": "provider user",
        "created_at": CREATED,
    }
    values.update(columns)
    with engine.begin() as conn:
        conn.execute(insert(audits).values(**values))


def add_degree(engine: Any, trainee_id: int, **columns: Any) -> None:
    values: dict[str, Any] = {
        "trainee_id": trainee_id,
        "slug": f"degree{trainee_id:018d}{columns.get('graduation_year', 0)}",
        "locale_code": 0,
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    values.update(columns)
    with engine.begin() as conn:
        conn.execute(insert(degrees).values(**values))


def add_trn_request(
    engine: Any, trainee_id: int, request_row_id: int, **columns: Any
) -> None:
    values: dict[str, Any] = {
        "id": request_row_id,
        "trainee_id": trainee_id,
        "request_id": f"00000000-0000-4000-8000-{request_row_id:012d}",
        "state": 0,
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    values.update(columns)
    with engine.begin() as conn:
        conn.execute(insert(dqt_trn_requests).values(**values))


def trainee_row(engine: Any, trainee_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(trainees).where(trainees.c.id == trainee_id))
        return dict(row.mappings().one())


def audit_rows(engine: Any, trainee_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(audits)
            .where(audits.c.auditable_id == trainee_id)
            .order_by(audits.c.version)
        )
        return [dict(row) for row in rows.mappings()]


def journal_entries(ctx: FixContext) -> list[JournalEntry]:
    return ctx.journal.read(newest_first=False)


def closed_redis() -> Any:
    """A Redis client aimed at a loopback port we opened and closed: it refuses."""
    import socket

    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return redis.Redis(
        host="127.0.0.1",
        port=port,
        socket_connect_timeout=1,
        socket_timeout=1,
        retry=Retry(NoBackoff(), 0),
    )


def add_failed_job(
    redis_client: Any,
    job_class: str,
    arguments: list[Any],
    *,
    jid: str,
    error_message: str = "status: 500, body: , headers: {}",
    set_name: str = "dead",
    score: float = 1686052801.0,
) -> bytes:
    """A failed ActiveJob job as Sidekiq 6.5 stores it; returns the member."""
    from services.sidekiq import wire

    payload = wire.new_activejob_job(
        job_class,
        arguments,
        now=datetime(2023, 6, 6, 12, 0, tzinfo=UTC),
        retry=0,
        jid=jid,
        job_id=f"0b080000-0000-4000-8000-{jid[-12:]}",
    )
    payload.update(
        {
            "error_message": error_message,
            "error_class": "Dqt::Client::HttpError",
            "failed_at": score,
            "retry_count": 0,
        }
    )
    member = wire.dumps(payload).encode()
    redis_client.zadd(set_name, {member: score})
    return member


def trainee_gid(trainee_id: int) -> dict[str, str]:
    return {"_aj_globalid": f"gid://register-trainee-teachers/Trainee/{trainee_id}"}


ALREADY_HAS_QTS = (
    'status: 400, body: {"title":"One or more validation errors occurred.",'
    '"status":400,"errors":{"initialTeacherTraining.programmeType":'
    '["Teacher already has QTS/EYTS date"]}}, headers: {}'
)
NO_INCOMPLETE_ITT = (
    'status: 400, body: {"title":"Teacher has no incomplete ITT record",'
    '"status":400,"errorCode":10005}, headers: {}'
)
