"""Trainees' names for lists that kept only ids or slugs (the journal).

`trainee_names` answers for a whole list at once: ONE query, by primary key and
by slug (each served by its index), however many entries the list holds, so a
journal of two thousand entries costs one round trip, not two thousand.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Text,
    any_,
    bindparam,
    cast,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, CITEXT
from sqlalchemy.engine import Connection

from services.register.schema import BIGINT_MAX, trainees
from services.register.trainees import _full_name, _slug_is_citext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TraineeName:
    id: int
    slug: str
    full_name: str
    discarded: bool

    @property
    def label(self) -> str:
        """How a list names the trainee: "Ada Lovelace (slug)"."""
        return f"{self.full_name} ({self.slug})"


@dataclass(frozen=True)
class TraineeNames:
    """The trainees found, by id and by slug (slugs compared without case)."""

    by_id: dict[int, TraineeName] = field(default_factory=dict)
    by_slug: dict[str, TraineeName] = field(default_factory=dict)

    def find(
        self, trainee_id: int | None = None, slug: str | None = None
    ) -> TraineeName | None:
        if slug:
            found = self.by_slug.get(slug.strip().lower())
            if found is not None:
                return found
        if trainee_id is not None:
            return self.by_id.get(trainee_id)
        return None


def _ids_in_range(ids: Iterable[object]) -> list[int]:
    """The ids a bigint primary key can hold (anything else names no trainee)."""
    wanted = set()
    for value in ids:
        try:
            number = int(str(value))
        except ValueError:
            continue
        if 0 < number <= BIGINT_MAX:
            wanted.add(number)
    return sorted(wanted)


def _slug_in(citext: bool, slugs: list[str]) -> ColumnElement[bool]:
    """`slug = ANY(...)`, compared as the slug index is built (citext or lower())."""
    if citext:
        values = cast(bindparam("slugs", slugs, type_=ARRAY(Text)), ARRAY(CITEXT))
        return trainees.c.slug == any_(values)
    lowered = [slug.lower() for slug in slugs]
    return func.lower(trainees.c.slug) == any_(
        bindparam("slugs", lowered, type_=ARRAY(Text))
    )


def trainee_names(
    conn: Connection, *, ids: Iterable[object] = (), slugs: Iterable[str] = ()
) -> TraineeNames:
    """Names of the trainees with these ids or slugs, in one query.

    Trainees that do not exist are simply absent from the answer; discarded
    (soft-deleted) ones are returned and marked.
    """
    wanted_ids = _ids_in_range(ids)
    wanted_slugs = sorted({str(slug).strip() for slug in slugs if str(slug).strip()})
    if not wanted_ids and not wanted_slugs:
        return TraineeNames()

    by_id: ColumnElement[bool] = false()
    if wanted_ids:
        by_id = trainees.c.id == any_(
            bindparam("ids", wanted_ids, type_=ARRAY(BigInteger))
        )
    by_slug: ColumnElement[bool] = false()
    if wanted_slugs:
        by_slug = _slug_in(_slug_is_citext(conn), wanted_slugs)
    statement = select(
        trainees.c.id,
        trainees.c.slug,
        trainees.c.first_names,
        trainees.c.middle_names,
        trainees.c.last_name,
        trainees.c.discarded_at,
    ).where(or_(by_id, by_slug))

    started = time.perf_counter()
    rows = conn.execute(statement).mappings().all()
    log.info(
        "postgresql trainee names for %d ids and %d slugs: %d found %.4f s",
        len(wanted_ids),
        len(wanted_slugs),
        len(rows),
        time.perf_counter() - started,
    )

    names = TraineeNames()
    for row in rows:
        name = TraineeName(
            id=int(row["id"]),
            slug=str(row["slug"]),
            full_name=_full_name(
                row["first_names"], row["middle_names"], row["last_name"]
            ),
            discarded=row["discarded_at"] is not None,
        )
        names.by_id[name.id] = name
        names.by_slug[name.slug.lower()] = name
    return names
