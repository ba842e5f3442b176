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
    # "provider" when only the provider's name matched what was typed.
    matched_by: str = ""


@dataclass(frozen=True)
class SearchResult:
    rows: list[SearchRow]
    # What the text was read as ("TRN 1234567", "last name starting with ...").
    read_as: str
    truncated: bool
    # Providers whose name matched plain words; their trainees follow the names.
    providers: tuple[str, ...] = ()
    # The text could not be searched (a bad date, a 6-digit TRN): `read_as` says why.
    invalid: bool = False

    @property
    def status(self) -> str:
        """One line for the screen: how many, found how, whether cut."""
        count = len(self.rows)
        if self.invalid:
            return f"{self.read_as}."
        if not count:
            return f"No trainee matches: tried {self.read_as}."
        # Plain words that also matched provider names: say which providers. A
        # UKPRN or `provider:` search is about providers alone, and says so in
        # `read_as`.
        by_provider = (
            sum(1 for row in self.rows if row.matched_by == "provider")
            if self.providers
            else 0
        )
        by_name = count - by_provider
        plural = "s" if count != 1 else ""
        if not by_provider:
            found = f"{count} trainee{plural}, {self.read_as}"
        else:
            named = ", ".join(self.providers)
            at = f"{by_provider} at {named} (provider name matched, in bold)"
            found = f"{by_name} by name, then {at}" if by_name else at
            found = f"{count} trainee{plural}: {found}"
        more = " (first ones; type more to narrow)" if self.truncated else ""
        return found + more


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
        matched_by=summary.matched_by,
    )


def search_rows(connections: Connections, text: str) -> SearchResult:
    from services.register.trainees import search

    with connections.engine.connect() as conn:
        outcome = search(conn, text)
    return SearchResult(
        [row_of(summary) for summary in outcome.trainees],
        outcome.query.label,
        outcome.truncated,
        outcome.providers,
        invalid=outcome.query.kind == "invalid",
    )
