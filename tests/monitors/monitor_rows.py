"""Rows and Sidekiq entries for the monitor tests, written through the real schema.

Payloads are built with the product's own wire format (`services.sidekiq.wire`) and
written with plain Redis commands, the way Sidekiq itself would leave them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from dqt.simulator.state import Teacher, TrnRequest
from services.register.schema import dqt_trn_requests, providers, trainees
from services.sidekiq import wire

STAMP = datetime(2026, 1, 1, 9, 0, 0)


def add_provider(
    engine: Engine, provider_id: int = 1, name: str = "Oakfield SCITT", ukprn="10001234"
) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(providers).values(
                id=provider_id,
                name=name,
                ukprn=ukprn,
                code=f"P{provider_id}",
                created_at=STAMP,
                updated_at=STAMP,
            )
        )


def add_trainee(engine: Engine, trainee_id: int, **values: Any) -> None:
    row: dict[str, Any] = {
        "id": trainee_id,
        "slug": f"slug{trainee_id:04d}abcdefghijklmnop",
        "first_names": f"First{trainee_id}",
        "last_name": f"Last{trainee_id}",
        "date_of_birth": date(1990, 5, 2),
        "provider_id": 1,
        "state": 1,
        "training_route": 1,
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    row.update(values)
    with engine.begin() as conn:
        conn.execute(insert(trainees).values(**row))


def request_uuid(request_id: int) -> str:
    """The uuid Register sent DQT for TRN request row `request_id`."""
    return f"00000000-0000-4000-8000-{request_id:012d}"


def dqt_trn_request(request_id: int, teacher: Teacher) -> TrnRequest:
    """DQT's side of Register's TRN request row `request_id`, made for `teacher`."""
    return TrnRequest(
        client="register", request_id=request_uuid(request_id), teacher_uid=teacher.uid
    )


def add_trn_request(
    engine: Engine,
    request_id: int,
    trainee_id: int,
    created_at: datetime,
    *,
    state: int = 0,
    response: Any = None,
) -> str:
    uuid = request_uuid(request_id)
    with engine.begin() as conn:
        conn.execute(
            insert(dqt_trn_requests).values(
                id=request_id,
                trainee_id=trainee_id,
                request_id=uuid,
                state=state,
                response=response,
                created_at=created_at,
                updated_at=created_at,
            )
        )
    return uuid


def job_payload(
    job_class: str,
    arguments: list[Any],
    *,
    jid: str,
    enqueued: datetime = datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    error_message: str | None = None,
    exception_executions: dict[str, int] | None = None,
    retry: bool | int = True,
) -> dict[str, Any]:
    payload = wire.new_activejob_job(
        job_class, arguments, now=enqueued, jid=jid, retry=retry
    )
    if exception_executions:
        payload["args"][0]["executions"] = sum(exception_executions.values())
        payload["args"][0]["exception_executions"] = exception_executions
        del payload["enqueued_at"]
    if error_message is not None:
        payload["error_message"] = error_message
        payload["error_class"] = "Dqt::Client::HttpError"
        payload["failed_at"] = enqueued.timestamp() + 1
        payload["retry_count"] = 0
    return payload


def put_job(redis_client: Any, where: str, payload: dict[str, Any], score: float = 0):
    """ZADD to `retry`/`dead`/`schedule`, or LPUSH to `queue:<name>`."""
    member = wire.dumps(payload)
    if where.startswith("queue:"):
        redis_client.lpush(where, member)
        redis_client.sadd("queues", where.removeprefix("queue:"))
    else:
        redis_client.zadd(where, {member: score})


def trn_request_gid(request_id: int) -> dict[str, str]:
    return wire.globalid("Dqt::TrnRequest", request_id)


def trainee_gid(trainee_id: int) -> dict[str, str]:
    return wire.globalid("Trainee", trainee_id)


HTTP_500 = "status: 500, body: , headers: {}"
NOT_FOUND = (
    'status: 404, body: {"title":"Teacher with specified TRN not found",'
    '"status":404,"errorCode":10001}, headers: {}'
)
