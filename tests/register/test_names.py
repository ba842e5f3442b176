"""Trainees' names for a list of ids and slugs, in one query, on a real PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from services.register.names import trainee_names
from services.register.schema import BIGINT_MAX, providers, trainees

CREATED = datetime(2023, 1, 10, 9, 0)
SLUG_ADA = "Ab3dEf7hJk9mNp2qRs4tUv6w"
SLUG_GONE = "Zz9yXw8vUt7sRq6pOn5mLk4j"


@pytest.fixture
def people(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(
            insert(providers).values(
                id=1,
                name="Northern Teaching Partnership",
                ukprn="10000001",
                code="P1",
                created_at=CREATED,
                updated_at=CREATED,
            )
        )
        base = {
            "provider_id": 1,
            "state": 2,
            "training_route": 1,
            "created_at": CREATED,
            "updated_at": CREATED,
            "middle_names": None,
            "discarded_at": None,
        }
        conn.execute(
            insert(trainees),
            [
                {
                    **base,
                    "id": 1,
                    "slug": SLUG_ADA,
                    "first_names": "Ada",
                    "middle_names": "Augusta",
                    "last_name": "Byron",
                },
                {
                    **base,
                    "id": 2,
                    "slug": "slug00000000000000000002",
                    "first_names": "Mary Ann",
                    "last_name": "Smith",
                },
                {
                    **base,
                    "id": 3,
                    "slug": "slug00000000000000000003",
                    "first_names": "Ann",
                    "last_name": "de Vries",
                    "discarded_at": CREATED,
                },
            ],
        )
    return engine


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_names_by_id_and_by_slug_in_one_query(people: Engine) -> None:
    with people.connect() as conn:
        # The slug's column type is asked once per engine; not part of the count.
        trainee_names(conn, slugs=[SLUG_ADA])
        seen = _statements(people)
        names = trainee_names(
            conn, ids=[2, 3, 999], slugs=[SLUG_ADA.lower(), SLUG_GONE]
        )

    assert len(seen) == 1
    ada = names.find(slug=SLUG_ADA)
    assert ada is not None
    assert (ada.id, ada.full_name) == (1, "Ada Augusta Byron")
    assert ada.label == f"Ada Augusta Byron ({SLUG_ADA})"
    assert names.find(trainee_id=2) is not None
    assert names.find(trainee_id=2).full_name == "Mary Ann Smith"  # type: ignore[union-attr]
    discarded = names.find(trainee_id=3)
    assert discarded is not None and discarded.discarded
    assert names.find(trainee_id=999) is None
    assert names.find(slug=SLUG_GONE) is None


def test_ids_no_trainee_can_have_are_not_sent(people: Engine) -> None:
    with people.connect() as conn:
        names = trainee_names(conn, ids=[0, -4, BIGINT_MAX + 1, "x", "1"])
    assert sorted(names.by_id) == [1]


def test_nothing_asked_sends_nothing(people: Engine) -> None:
    seen = _statements(people)
    with people.connect() as conn:
        names = trainee_names(conn, ids=[], slugs=["  "])
    assert names.by_id == {} and names.by_slug == {}
    assert seen == []
