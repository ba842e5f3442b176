"""Search results as the search screen shows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.register.trainees import TraineeSummary
    from triage.runtime import Connections


@dataclass(frozen=True)
class SearchRow:
    trainee_id: int
    name: str
    trn: str
    state: str
    slug: str
    born: str
    provider: str


@dataclass(frozen=True)
class SearchResult:
    rows: list[SearchRow]
    # What the text was read as ("TRN 1234567", "last name starting with ...").
    read_as: str
    truncated: bool


def row_of(summary: TraineeSummary) -> SearchRow:
    state = summary.state_label
    if summary.discarded:
        state = f"DELETED ({state})"
    provider = summary.provider_name or "(no provider)"
    if summary.provider_ukprn:
        provider += f" {summary.provider_ukprn}"
    born = summary.date_of_birth.strftime("%d/%m/%Y") if summary.date_of_birth else ""
    return SearchRow(
        trainee_id=summary.id,
        name=summary.full_name,
        trn=summary.trn or "",
        state=state,
        slug=summary.slug,
        born=born,
        provider=provider,
    )


def search_rows(connections: Connections, text: str) -> SearchResult:
    from services.register.trainees import search

    with connections.engine.connect() as conn:
        outcome = search(conn, text)
    return SearchResult(
        [row_of(summary) for summary in outcome.trainees],
        outcome.query.label,
        outcome.truncated,
    )
