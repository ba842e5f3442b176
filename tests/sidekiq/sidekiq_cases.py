"""Inputs for the Sidekiq tests, used as they are.

- Payloads real Sidekiq 6.4.1 wrote (`sidekiq-6.4/`): read from `../shared/cases/`
  beside the clone when it is there, else from the copy under `data/`.
- What each captured job failed with (`CAPTURED_FAILURES`), as the cases README
  lists it, and the trainee each captured job is about (`captured_trainee`).
- The members given in the public bug reports (B01 ... B09), extracted verbatim
  from `../shared/cases/public-reports.md` into `data/public-reports-members.json`,
  and the variants several tests build from them (`b01_member`, `b08_award_member`,
  `seed_b07`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from services.playbook import AWARD_JOB
from services.register import schema

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED_CAPTURES = ROOT.parent / "shared" / "cases" / "sidekiq-6.4"
LOCAL_CAPTURES = HERE / "data" / "sidekiq-6.4"
CAPTURES = SHARED_CAPTURES if SHARED_CAPTURES.is_dir() else LOCAL_CAPTURES


def capture(folder: str, name: str) -> list[dict[str, Any]]:
    """Entries of one captured file: `{score, score_raw, payload_string}` or lists."""
    return json.loads((CAPTURES / folder / f"{name}.json").read_text())


# What each trainee's job failed with in `captured-app-options/` (the table in
# ../shared/cases/README.md): the 27 jobs in `retry` and `dead`. The 13 ActiveJob
# retries in `schedule` carry no error text, so they are not listed.
CAPTURED_FAILURES: dict[int, str] = {
    1: "http_404_teacher_not_found",
    2: "http_404_teacher_not_found",
    4: "http_400_org_not_found",
    5: "poll_timeout",
    6: "missing_trn",
    7: "http_400_no_incomplete_itt",
    9: "http_400_already_has_qts",
    11: "http_400_org_not_found",
    12: "http_500_empty",
    14: "http_500_empty",
    16: "http_500_html",
    17: "http_404_teacher_not_found",
    19: "http_400_org_not_found",
    20: "poll_timeout",
    21: "http_404_teacher_not_found",
    22: "http_400_no_incomplete_itt",
    24: "http_400_already_has_qts",
    26: "missing_trn",
    27: "http_500_empty",
    29: "http_500_empty",
    31: "http_400_org_not_found",
    32: "http_404_teacher_not_found",
    34: "http_400_org_not_found",
    35: "poll_timeout",
    36: "http_500_html",
    37: "http_400_no_incomplete_itt",
    39: "http_400_already_has_qts",
}

# The captured TRN requests were numbered 50000 + trainee id.
TRN_REQUEST_NUMBER_OFFSET = 50_000


def captured_trainee(model: str, record_id: int) -> int:
    """The trainee a captured job is about, from its GlobalID's model and id."""
    if model == "Dqt::TrnRequest":
        return record_id - TRN_REQUEST_NUMBER_OFFSET
    return record_id


def retry_all_report() -> dict[str, Any]:
    path = CAPTURES / "captured-app-options-after-retry" / "retry_all_report.json"
    return json.loads(path.read_text())


def report_members(case: str) -> list[str]:
    data = json.loads((HERE / "data" / "public-reports-members.json").read_text())
    return list(data[case])


def load_capture(redis: Any, folder: str) -> None:
    """Put a captured state into Redis exactly: ZADD with the raw score, RPUSH."""
    for name in ("retry", "dead", "schedule"):
        for entry in capture(folder, name):
            redis.execute_command(
                "ZADD", name, entry["score_raw"], entry["payload_string"].encode()
            )
    queue = capture(folder, "queue_dqt")
    for entry in queue:
        redis.rpush("queue:dqt", entry["payload_string"].encode())
    if queue:
        redis.sadd("queues", "dqt")


def zadd_raw(redis: Any, key: str, member: str | bytes, score: float) -> None:
    raw = member.encode() if isinstance(member, str) else member
    redis.zadd(key, {raw: score})


def add_provider(engine: Engine, provider_id: int = 1, name: str = "Oak SCITT") -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(schema.providers).values(
                id=provider_id,
                name=name,
                ukprn="10000001",
                code="1AB",
                created_at="2023-01-01T00:00:00",
                updated_at="2023-01-01T00:00:00",
            )
        )


def add_trainee(engine: Engine, trainee_id: int, **values: Any) -> None:
    row = {
        "id": trainee_id,
        "slug": f"slug{trainee_id:020d}",
        "first_names": "Ada",
        "last_name": f"Trainee{trainee_id}",
        "provider_id": 1,
        "state": 2,
        "trn": f"{2000000 + trainee_id}",
        "training_route": 1,
        "created_at": "2023-01-01T00:00:00",
        "updated_at": "2023-01-01T00:00:00",
    }
    row.update(values)
    with engine.begin() as connection:
        connection.execute(insert(schema.trainees).values(**row))


def add_trn_request(engine: Engine, request_id: int, trainee_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(schema.dqt_trn_requests).values(
                id=request_id,
                trainee_id=trainee_id,
                request_id=f"00000000-0000-4000-8000-{request_id:012d}",
                state=0,
                created_at="2023-01-01T00:00:00",
                updated_at="2023-01-01T00:00:00",
            )
        )


def b01_member(number: int) -> str:
    """B01's member with jid suffix, trainee id and job_id varied as it says."""
    member = report_members("B01")[0]
    return (
        member.replace("b01000000000000000000001", f"b01000000000000000000{number:03d}")
        .replace("Trainee/101", f"Trainee/{100 + number}")
        .replace(
            "0b010000-0000-4000-8000-000000000101",
            f"0b010000-0000-4000-8000-000000000{100 + number}",
        )
    )


def b08_award_member(jid: str) -> str:
    """B08's update member made into the trainee's failed award job, with `jid`."""
    payload = json.loads(report_members("B08")[0])
    payload["wrapped"] = AWARD_JOB
    payload["args"][0]["job_class"] = AWARD_JOB
    payload["jid"] = jid
    payload["error_message"] = "status: 500, body: , headers: {}"
    return json.dumps(payload, separators=(",", ":"))


def seed_b07(engine: Engine, redis: Any) -> None:
    """B07's dead set: B07's orphan (trainee 799, in no table), the same job for
    trainees 701, 702 and 703 (703 discarded), and a RetrieveTrnJob for TRN request
    5160, whose row is gone (trainee 702's request is 5161).
    """
    add_provider(engine)
    add_trainee(engine, 701)
    add_trainee(engine, 702)
    add_trainee(engine, 703, discarded_at="2023-05-30T10:00:00")
    add_trn_request(engine, 5161, 702)

    orphan = report_members("B07")[0]
    for number in (701, 702, 703):
        member = orphan.replace("Trainee/799", f"Trainee/{number}").replace(
            "b07000000000000000000799", f"b07000000000000000000{number}"
        )
        zadd_raw(redis, "dead", member, 1685610001.0 + number)
    zadd_raw(redis, "dead", orphan, 1685610001.0)
    retrieve = (
        orphan.replace("Dqt::UpdateTraineeJob", "Dqt::RetrieveTrnJob")
        .replace("Trainee/799", "Dqt::TrnRequest/5160")
        .replace("b07000000000000000000799", "b07000000000000000005160")
    )
    zadd_raw(redis, "dead", retrieve, 1685610002.0)
