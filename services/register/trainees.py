"""Finding a trainee in Register's database and loading everything about one.

Search (`search_trainees`, `search`) reads what the operator typed, decides what
kind of query it is, and sends ONE query shaped so that an index Register
already has can serve it where one exists:

| typed                          | kind           | served by                    |
|--------------------------------|----------------|------------------------------|
| 7 digits                       | trn            | index_trainees_on_trn        |
| 24-character slug (letters and | slug           | index_trainees_on_slug       |
| digits)                        |                | (citext, or lower(slug))     |
| other digits, or `#123`        | id             | primary key                  |
| 8 digits                       | provider UKPRN | index_trainees_on_provider_id|
| dd/mm/yyyy or yyyy-mm-dd       | date_of_birth  | nothing: Register has no     |
|                                |                | index (sequential scan)      |
| words                          | name, and      | nothing: Register has no     |
|                                | provider name  | name index (sequential scan) |

Plain words are also looked for in provider names: the providers table is
small, so the providers with a word starting with the text are found first,
then their trainees through index_trainees_on_provider_id. Trainees found by
name come first, then those found by provider; each result says which it is
(`TraineeSummary.matched_by`), and the outcome names the providers that matched.

Explicit prefixes override the guess: `trn:`, `slug:`, `id:`, `dob:`, `name:`,
`provider:` (a provider name or UKPRN). A name is a last-name prefix ("smi"),
"first last" (every split of the words is tried: "Mary Ann Smith", "Ann de
Vries") or "last, first". Matching ignores case. A name index would need
`lower(last_name) text_pattern_ops`; this product never creates indexes in a
database it did not create, so the benchmark measures the scan and says so.

Nothing is left out silently: discarded (soft-deleted) trainees are returned,
marked, after the kept ones. Results come sorted by name. For the kinds no
index serves (names, date of birth) the query has no ORDER BY: sorting every
match would force a scan of the whole table each time, so the scan stops at the
first `limit` matches, those are sorted, and `SearchOutcome.truncated` tells
the operator that more matched and the search should be narrowed.

`load_trainee` reads one trainee with its provider, degrees (in Register's
order: the first is the one sent to DQT), TRN request and schools, and keeps
`updated_at` as the fingerprint the fixes check before writing.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.engine import Connection, Engine, RowMapping

from services.register import enums
from services.register.enums import TraineeState
from services.register.schema import (
    BIGINT_MAX,
    degrees,
    dqt_trn_requests,
    providers,
    schools,
    trainees,
)

log = logging.getLogger(__name__)

QueryKind = Literal["trn", "slug", "id", "date_of_birth", "name", "provider", "invalid"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_QUERY_LENGTH = 200
# Up to this many words are split into first names / last name.
MAX_NAME_WORDS = 6

_PREFIXES: dict[str, QueryKind] = {
    "trn": "trn",
    "slug": "slug",
    "id": "id",
    "dob": "date_of_birth",
    "name": "name",
    "provider": "provider",
    "ukprn": "provider",
}
_PREFIX = re.compile(r"^\s*([a-z]+)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SLUG = re.compile(r"^[A-Za-z0-9]{10,64}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class SearchQuery:
    """What a search text was read as; `label` says it in words for the screen."""

    kind: QueryKind
    text: str
    label: str
    value: Any = None
    # For names: (first-names prefix or None, last-name prefix) alternatives.
    name_splits: tuple[tuple[str | None, str], ...] = ()
    # Plain words (no `name:`): provider names are searched too.
    also_providers: bool = False


def _clean(text: str) -> str:
    return " ".join(text.split())


def _parse_date(text: str) -> date | None | Literal[False]:
    """A date for yyyy-mm-dd or dd/mm/yyyy; None if not date-shaped; False if bad."""
    iso = _ISO_DATE.match(text)
    uk = _UK_DATE.match(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif uk:
        day, month, year = (int(part) for part in uk.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return False


def _name_splits(words: list[str]) -> tuple[tuple[str | None, str], ...]:
    if len(words) == 1:
        return ((None, words[0]),)
    return tuple(
        (" ".join(words[:cut]), " ".join(words[cut:])) for cut in range(1, len(words))
    )


def parse_query(text: str) -> SearchQuery:
    """Read what the operator typed; never raises (bad input is kind "invalid")."""
    raw = _clean(text or "")
    if not raw:
        return SearchQuery("invalid", raw, "Type a TRN, slug, name, date of birth …")
    if len(raw) > MAX_QUERY_LENGTH:
        return SearchQuery(
            "invalid",
            raw[:40],
            f"Search text over {MAX_QUERY_LENGTH} characters",
        )

    forced: QueryKind | None = None
    prefixed = _PREFIX.match(raw)
    if prefixed and prefixed.group(1).lower() in _PREFIXES:
        forced = _PREFIXES[prefixed.group(1).lower()]
        raw = _clean(prefixed.group(2))
        if not raw:
            return SearchQuery("invalid", raw, f"Nothing after {prefixed.group(1)}:")

    return _classify(raw, forced)


def _classify(raw: str, forced: QueryKind | None) -> SearchQuery:
    digits = raw.removeprefix("#")

    if forced in (None, "trn") and re.fullmatch(r"\d{7}", raw):
        return SearchQuery("trn", raw, f"TRN {raw}", value=raw)
    if forced == "trn":
        return SearchQuery("invalid", raw, "A TRN is 7 digits")

    if forced in (None, "provider") and re.fullmatch(r"\d{8}", raw):
        return SearchQuery(
            "provider", raw, f"provider UKPRN {raw}", value=("ukprn", raw)
        )
    if forced == "provider":
        return SearchQuery(
            "provider", raw, f"provider name containing “{raw}”", value=("name", raw)
        )

    if forced in (None, "id") and digits.isdigit():
        number = int(digits)
        if 0 < number <= BIGINT_MAX:
            return SearchQuery("id", raw, f"Register id {number}", value=number)
        return SearchQuery("invalid", raw, "No trainee can have that id")
    if forced == "id":
        return SearchQuery("invalid", raw, "A Register id is a whole number")

    if forced in (None, "date_of_birth"):
        parsed = _parse_date(raw)
        if parsed is False:
            return SearchQuery("invalid", raw, f"{raw} is not a real date")
        if parsed is not None:
            # The date itself is not repeated in the label: labels reach logs.
            return SearchQuery("date_of_birth", raw, "date of birth", value=parsed)
        if forced == "date_of_birth":
            return SearchQuery(
                "invalid", raw, "A date of birth is dd/mm/yyyy or yyyy-mm-dd"
            )

    if (
        forced in (None, "slug")
        and _SLUG.match(raw)
        and (forced == "slug" or any(c.isdigit() for c in raw))
    ):
        return SearchQuery("slug", raw, f"slug {raw}", value=raw)
    if forced == "slug":
        return SearchQuery("invalid", raw, "A slug is letters and digits only")

    return _name_query(raw, also_providers=forced is None)


def _name_query(raw: str, *, also_providers: bool) -> SearchQuery:
    if "," in raw:
        last, _, first = raw.partition(",")
        last, first = _clean(last), _clean(first)
        if not last:
            return SearchQuery("invalid", raw, "Nothing before the comma")
        splits: tuple[tuple[str | None, str], ...] = ((first or None, last),)
        label = f"last name “{last}”" + (f", first names “{first}”" if first else "")
        return SearchQuery("name", raw, label, name_splits=splits)

    words = raw.split()
    if len(words) > MAX_NAME_WORDS:
        return SearchQuery("invalid", raw, f"More than {MAX_NAME_WORDS} words")
    if len(words) == 1:
        label = f"last name starting “{raw}”"
    else:
        label = f"name “{raw}” (first names then last name)"
    if also_providers:
        label += f", provider name with a word starting “{raw}”"
    return SearchQuery(
        "name",
        raw,
        label,
        name_splits=_name_splits(words),
        also_providers=also_providers,
    )


# --- slug comparison -------------------------------------------------------

_SLUG_IS_CITEXT: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def _slug_is_citext(conn: Connection) -> bool:
    """Whether trainees.slug is citext here (Register) or text (embedded server).

    The answer picks the comparison the slug index can serve: `slug = x` on
    citext, `lower(slug) = lower(x)` on the text stand-in. Asked once per engine.
    """
    engine = conn.engine
    cached = _SLUG_IS_CITEXT.get(engine)
    if cached is None:
        type_name = conn.execute(
            text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = to_regclass('trainees') AND attname = 'slug'"
            )
        ).scalar()
        cached = type_name == "citext"
        _SLUG_IS_CITEXT[engine] = cached
    return cached


def _slug_value(slug: str, citext: bool) -> str:
    """The slug as bound: as typed for citext, lowered for `lower(slug)`."""
    value = str(slug).strip()
    return value if citext else value.lower()


def _slug_where(citext: bool, value: ColumnElement[Any]) -> ColumnElement[bool]:
    """`slug = value` on citext, `lower(slug) = value` on the text stand-in."""
    if citext:
        return trainees.c.slug == cast(value, CITEXT)
    return func.lower(trainees.c.slug) == value


def slug_matches(conn: Connection, slug: str) -> ColumnElement[bool]:
    """The WHERE clause finding a trainee by slug, ignoring case, index-served."""
    citext = _slug_is_citext(conn)
    return _slug_where(citext, literal(_slug_value(slug, citext), Text))


# --- search ----------------------------------------------------------------


@dataclass(frozen=True)
class TraineeSummary:
    """One search result: enough to recognise the trainee and open it."""

    id: int
    slug: str
    first_names: str | None
    middle_names: str | None
    last_name: str | None
    date_of_birth: date | None
    trn: str | None
    state: int | None
    training_route: int | None
    provider_id: int
    provider_name: str | None
    provider_ukprn: str | None
    discarded_at: datetime | None
    updated_at: datetime | None
    # What found it: "provider" when only its provider's name matched the
    # words typed; otherwise the query's own kind.
    matched_by: str = ""

    @property
    def discarded(self) -> bool:
        return self.discarded_at is not None

    @property
    def full_name(self) -> str:
        return _full_name(self.first_names, self.middle_names, self.last_name)

    @property
    def state_label(self) -> str:
        return enums.state_label(self.state)

    @property
    def route_label(self) -> str:
        return enums.route_label(self.training_route)


@dataclass(frozen=True)
class SearchOutcome:
    query: SearchQuery
    trainees: list[TraineeSummary] = field(default_factory=list)
    # True when more rows matched than were returned.
    truncated: bool = False
    # For plain words: the providers whose name matched them, by name.
    providers: tuple[str, ...] = ()


def _full_name(first: str | None, middle: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, middle, last) if part) or "(no name)"


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix_pattern(value: str) -> str:
    return _escape_like(value.lower()) + "%"


def _summary_select() -> Select[Any]:
    return select(
        trainees.c.id,
        trainees.c.slug,
        trainees.c.first_names,
        trainees.c.middle_names,
        trainees.c.last_name,
        trainees.c.date_of_birth,
        trainees.c.trn,
        trainees.c.state,
        trainees.c.training_route,
        trainees.c.provider_id,
        providers.c.name.label("provider_name"),
        providers.c.ukprn.label("provider_ukprn"),
        trainees.c.discarded_at,
        trainees.c.updated_at,
    ).select_from(
        trainees.outerjoin(providers, providers.c.id == trainees.c.provider_id)
    )


# Kinds no index of Register's can serve: sorting every match would force a
# scan of the whole table, so these stop at the first `limit` rows found and
# sort those (the outcome says when more matched).
_SCAN_KINDS = frozenset({"name", "date_of_birth"})


def _like(column: Any, name: str) -> ColumnElement[bool]:
    return func.lower(column).like(bindparam(name, type_=Text), escape="\\")


def _shape_and_values(
    query: SearchQuery, slug_is_citext: bool
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """A key naming the statement's shape, and the values to bind into it."""
    if query.kind == "provider":
        how, value = query.value
        wanted = value if how == "ukprn" else "%" + _escape_like(value.lower()) + "%"
        return ("provider", how), {"value": wanted}
    if query.kind == "slug":
        value = _slug_value(query.value, slug_is_citext)
        return ("slug", slug_is_citext), {"value": value}
    if query.kind == "name":
        values: dict[str, Any] = {}
        for number, (first, last) in enumerate(query.name_splits):
            values[f"last_{number}"] = _prefix_pattern(last)
            if first is not None:
                values[f"first_{number}"] = _prefix_pattern(first)
        shape = tuple(first is None for first, _ in query.name_splits)
        return ("name", shape), values
    return (query.kind,), {"value": query.value}


# Statements are built once per shape and reused with new values: building a
# SELECT costs more than running an indexed one.
@functools.cache
def _build(shape: tuple[Any, ...]) -> Select[Any]:
    kind = shape[0]
    where: ColumnElement[bool]
    if kind == "trn":
        where = trainees.c.trn == bindparam("value", type_=String)
    elif kind == "id":
        where = trainees.c.id == bindparam("value", type_=BigInteger)
    elif kind == "date_of_birth":
        where = trainees.c.date_of_birth == bindparam("value", type_=Date)
    elif kind == "slug":
        where = _slug_where(shape[1], bindparam("value", type_=Text))
    elif kind == "provider":
        wanted = select(providers.c.id).where(
            providers.c.ukprn == bindparam("value", type_=String)
            if shape[1] == "ukprn"
            else _like(providers.c.name, "value")
        )
        where = trainees.c.provider_id.in_(wanted.scalar_subquery())
    elif kind == "name":
        alternatives = [
            _like(trainees.c.last_name, f"last_{number}")
            if last_only
            else and_(
                _like(trainees.c.last_name, f"last_{number}"),
                _like(trainees.c.first_names, f"first_{number}"),
            )
            for number, last_only in enumerate(shape[1])
        ]
        where = or_(*alternatives)
    else:
        raise ValueError(f"no search statement for {kind!r}")

    statement = _summary_select().where(where)
    if kind not in _SCAN_KINDS:
        statement = statement.order_by(
            trainees.c.discarded_at.is_not(None),
            func.lower(trainees.c.last_name),
            func.lower(trainees.c.first_names),
            trainees.c.id,
        )
    return statement.limit(bindparam("limit", type_=Integer))


def _statement(
    conn: Connection, query: SearchQuery
) -> tuple[Select[Any], dict[str, Any]]:
    citext = _slug_is_citext(conn) if query.kind == "slug" else False
    shape, values = _shape_and_values(query, citext)
    return _build(shape), values


def build_search(conn: Connection, query: SearchQuery, limit: int) -> Select[Any]:
    """The one SELECT a search sends, with its values bound (tests, EXPLAIN)."""
    statement, values = _statement(conn, query)
    return statement.params(**values, limit=limit)


def _sort_key(summary: TraineeSummary) -> tuple[Any, ...]:
    return (
        summary.discarded,
        (summary.last_name or "").lower(),
        (summary.first_names or "").lower(),
        summary.id,
    )


# A word typed names so few providers that more than this many means the text
# is too short to say which; their trainees are then not listed.
MAX_PROVIDERS_MATCHED = 20

# Providers with a word starting with the text: lower(name) starts with it, or
# has it after a space. The providers table is small; no index is needed.
_PROVIDERS_BY_WORD = (
    select(providers.c.id, providers.c.name)
    .where(
        or_(
            _like(providers.c.name, "starts"),
            _like(providers.c.name, "word_starts"),
        )
    )
    .order_by(func.lower(providers.c.name), providers.c.id)
    .limit(MAX_PROVIDERS_MATCHED + 1)
)

# Their trainees, in name order, through index_trainees_on_provider_id.
_TRAINEES_OF_PROVIDERS = (
    _summary_select()
    .where(trainees.c.provider_id.in_(bindparam("provider_ids", expanding=True)))
    .order_by(
        trainees.c.discarded_at.is_not(None),
        func.lower(trainees.c.last_name),
        func.lower(trainees.c.first_names),
        trainees.c.id,
    )
    .limit(bindparam("limit", type_=Integer))
)


def _providers_named(conn: Connection, words: str) -> list[tuple[int, str]]:
    pattern = _prefix_pattern(words)
    rows = conn.execute(
        _PROVIDERS_BY_WORD, {"starts": pattern, "word_starts": "% " + pattern}
    ).all()
    return [(row.id, row.name) for row in rows]


def _by_provider(
    conn: Connection,
    provider_ids: list[int],
    skip: set[int],
    limit: int,
) -> tuple[list[TraineeSummary], bool]:
    """Up to `limit` trainees of the providers, leaving out those in `skip`;
    and whether more were there."""
    rows = conn.execute(
        _TRAINEES_OF_PROVIDERS,
        {"provider_ids": provider_ids, "limit": limit + len(skip) + 1},
    ).all()
    found = [
        replace(TraineeSummary(*row), matched_by="provider")
        for row in rows
        if row.id not in skip
    ]
    return found[:limit], len(found) > limit


def search(conn: Connection, text: str, *, limit: int = DEFAULT_LIMIT) -> SearchOutcome:
    """Search and say what the text was read as and whether results were cut.

    Plain words find trainees by name first, then trainees whose provider's
    name has a word starting with them (see the module docstring)."""
    query = parse_query(text)
    if query.kind == "invalid":
        return SearchOutcome(query)
    limit = max(1, min(limit, MAX_LIMIT))

    started = time.perf_counter()
    statement, values = _statement(conn, query)
    rows = conn.execute(statement, {**values, "limit": limit + 1}).all()
    found = [replace(TraineeSummary(*row), matched_by=query.kind) for row in rows]
    truncated = len(found) > limit
    found = found[:limit]
    if query.kind in _SCAN_KINDS:
        found.sort(key=_sort_key)

    provider_names: tuple[str, ...] = ()
    if query.also_providers:
        named = _providers_named(conn, query.text)
        provider_names = tuple(name for _id, name in named[:MAX_PROVIDERS_MATCHED])
        room = limit - len(found)
        if len(named) > MAX_PROVIDERS_MATCHED:
            truncated = True
        elif named and room > 0:
            by_provider, more = _by_provider(
                conn,
                [provider_id for provider_id, _name in named],
                {summary.id for summary in found},
                room,
            )
            found += by_provider
            truncated = truncated or more
        elif named:
            truncated = True

    log.info(
        "trainee search by %s%s: %d result(s)%s in %.1f ms",
        query.kind,
        f" and {len(provider_names)} provider(s)" if query.also_providers else "",
        len(found),
        "+" if truncated else "",
        (time.perf_counter() - started) * 1000,
    )
    return SearchOutcome(query, found, truncated=truncated, providers=provider_names)


def search_trainees(
    conn: Connection, text: str, *, limit: int = DEFAULT_LIMIT
) -> list[TraineeSummary]:
    """Trainees matching what the operator typed (see the module docstring)."""
    return search(conn, text, limit=limit).trainees


# --- one trainee -----------------------------------------------------------


@dataclass(frozen=True)
class ProviderSummary:
    id: int
    name: str | None
    ukprn: str | None
    code: str | None


@dataclass(frozen=True)
class SchoolSummary:
    id: int
    urn: str | None
    name: str | None


@dataclass(frozen=True)
class DegreeRecord:
    id: int
    slug: str | None
    locale_code: int | None
    uk_degree: str | None
    uk_degree_uuid: str | None
    non_uk_degree: str | None
    subject: str | None
    institution: str | None
    institution_uuid: str | None
    grade: str | None
    graduation_year: int | None
    country: str | None

    @property
    def is_uk(self) -> bool:
        return self.locale_code == enums.LocaleCode.uk

    @property
    def type_name(self) -> str | None:
        return self.uk_degree if self.is_uk else self.non_uk_degree


@dataclass(frozen=True)
class TrnRequestRecord:
    id: int
    request_id: str
    state: int | None
    response: Any
    created_at: datetime | None
    updated_at: datetime | None
    days_waiting: int | None

    @property
    def state_label(self) -> str:
        return enums.label(enums.TrnRequestState, self.state)


@dataclass(frozen=True)
class TraineeRecord:
    """A trainee as Register holds it, with what support looks at beside it.

    `columns` is the whole trainees row (Register's column names). `updated_at`
    is the fingerprint a fix compares before writing ("changed since the
    preview"). `degrees` are in Register's order: the first is sent to DQT.
    """

    columns: Mapping[str, Any]
    provider: ProviderSummary | None
    degrees: tuple[DegreeRecord, ...]
    trn_request: TrnRequestRecord | None
    trn_request_count: int
    lead_school: SchoolSummary | None
    employing_school: SchoolSummary | None

    def __getitem__(self, column: str) -> Any:
        return self.columns[column]

    @property
    def id(self) -> int:
        return int(self.columns["id"])

    @property
    def slug(self) -> str:
        return str(self.columns["slug"])

    @property
    def trn(self) -> str | None:
        return self.columns["trn"]

    @property
    def first_names(self) -> str | None:
        return self.columns["first_names"]

    @property
    def middle_names(self) -> str | None:
        return self.columns["middle_names"]

    @property
    def last_name(self) -> str | None:
        return self.columns["last_name"]

    @property
    def date_of_birth(self) -> date | None:
        return self.columns["date_of_birth"]

    @property
    def email(self) -> str | None:
        return self.columns["email"]

    @property
    def state(self) -> int | None:
        return self.columns["state"]

    @property
    def training_route(self) -> int | None:
        return self.columns["training_route"]

    @property
    def provider_id(self) -> int:
        return int(self.columns["provider_id"])

    @property
    def updated_at(self) -> datetime | None:
        return self.columns["updated_at"]

    @property
    def discarded_at(self) -> datetime | None:
        return self.columns["discarded_at"]

    @property
    def discarded(self) -> bool:
        return self.discarded_at is not None

    @property
    def full_name(self) -> str:
        return _full_name(self.first_names, self.middle_names, self.last_name)

    @property
    def state_label(self) -> str:
        return enums.state_label(self.state)

    @property
    def state_member(self) -> TraineeState | None:
        return enums.coerce(TraineeState, self.state)

    @property
    def route_label(self) -> str:
        return enums.route_label(self.training_route)

    @property
    def award_type(self) -> enums.AwardType:
        """QTS or EYTS, from the route."""
        return enums.award_type(self.training_route)

    @property
    def programme_type(self) -> str | None:
        """The DQT programmeType Register sends for this route (None if none)."""
        return enums.dqt_programme_type(self.training_route)

    @property
    def first_degree(self) -> DegreeRecord | None:
        """The degree Register sends to DQT (earliest graduation year)."""
        return self.degrees[0] if self.degrees else None

    @property
    def provider_ukprn(self) -> str | None:
        return self.provider.ukprn if self.provider else None


# The statements of `load_trainee` are built once (building costs more than
# running them) and bound with new values on each call.
@functools.cache
def _trainee_statement(by: Literal["id", "slug_citext", "slug_text"]) -> Select[Any]:
    """The trainee with provider and schools, by id or by slug."""
    lead = schools.alias("lead_school")
    employing = schools.alias("employing_school")
    where: ColumnElement[bool]
    if by == "id":
        where = trainees.c.id == bindparam("value", type_=BigInteger)
    else:
        where = _slug_where(by == "slug_citext", bindparam("value", type_=Text))
    return (
        select(
            trainees,
            providers.c.name.label("provider_name"),
            providers.c.ukprn.label("provider_ukprn"),
            providers.c.code.label("provider_code"),
            lead.c.id.label("lead_school_row_id"),
            lead.c.urn.label("lead_school_urn"),
            lead.c.name.label("lead_school_name"),
            employing.c.id.label("employing_school_row_id"),
            employing.c.urn.label("employing_school_urn"),
            employing.c.name.label("employing_school_name"),
        )
        .select_from(
            trainees.outerjoin(providers, providers.c.id == trainees.c.provider_id)
            .outerjoin(lead, lead.c.id == trainees.c.lead_school_id)
            .outerjoin(employing, employing.c.id == trainees.c.employing_school_id)
        )
        .where(where)
    )


# Register's Degree default scope: graduation_year ascending (PostgreSQL puts
# NULLs last); id breaks ties so the order is stable.
_DEGREES = (
    select(degrees)
    .where(degrees.c.trainee_id == bindparam("trainee_id", type_=BigInteger))
    .order_by(degrees.c.graduation_year.asc().nulls_last(), degrees.c.id)
)

# Newest first: Register keeps one per trainee, but a copy may hold more.
_TRN_REQUESTS = (
    select(dqt_trn_requests)
    .where(dqt_trn_requests.c.trainee_id == bindparam("trainee_id", type_=BigInteger))
    .order_by(
        dqt_trn_requests.c.created_at.desc().nulls_last(),
        dqt_trn_requests.c.id.desc(),
    )
)


def load_trainee(
    conn: Connection,
    trainee_id: int | None = None,
    slug: str | None = None,
    *,
    today: date | None = None,
) -> TraineeRecord | None:
    """The trainee by id or slug (discarded ones too), or None if there is none.

    Three indexed queries: the trainee with provider and schools, its degrees,
    its TRN request(s). `today` sets the TRN request's days waiting.
    """
    if (trainee_id is None) == (slug is None):
        raise ValueError("load_trainee needs exactly one of trainee_id or slug")
    today = today or date.today()
    started = time.perf_counter()

    value: int | str
    if trainee_id is not None:
        statement, value = _trainee_statement("id"), trainee_id
    else:
        citext = _slug_is_citext(conn)
        value = _slug_value(str(slug), citext)
        statement = _trainee_statement("slug_citext" if citext else "slug_text")
    row = conn.execute(statement, {"value": value}).mappings().first()
    if row is None:
        log.info("trainee %s not found", trainee_id if slug is None else "by slug")
        return None

    columns = {column.name: row[column.name] for column in trainees.c}
    found_id = columns["id"]
    provider = (
        ProviderSummary(
            columns["provider_id"],
            row["provider_name"],
            row["provider_ukprn"],
            row["provider_code"],
        )
        if row["provider_name"] is not None or row["provider_ukprn"] is not None
        else None
    )

    degree_rows = conn.execute(_DEGREES, {"trainee_id": found_id}).mappings()
    degree_records = tuple(
        DegreeRecord(
            id=d["id"],
            slug=d["slug"],
            locale_code=d["locale_code"],
            uk_degree=d["uk_degree"],
            uk_degree_uuid=_text(d["uk_degree_uuid"]),
            non_uk_degree=d["non_uk_degree"],
            subject=d["subject"],
            institution=d["institution"],
            institution_uuid=_text(d["institution_uuid"]),
            grade=d["grade"],
            graduation_year=d["graduation_year"],
            country=d["country"],
        )
        for d in degree_rows
    )

    request_rows = (
        conn.execute(_TRN_REQUESTS, {"trainee_id": found_id}).mappings().all()
    )
    trn_request = None
    if request_rows:
        newest = request_rows[0]
        created = newest["created_at"]
        trn_request = TrnRequestRecord(
            id=newest["id"],
            request_id=str(newest["request_id"]),
            state=newest["state"],
            response=newest["response"],
            created_at=created,
            updated_at=newest["updated_at"],
            days_waiting=(today - created.date()).days if created else None,
        )

    record = TraineeRecord(
        columns=columns,
        provider=provider,
        degrees=degree_records,
        trn_request=trn_request,
        trn_request_count=len(request_rows),
        lead_school=_school_from(row, "lead_school"),
        employing_school=_school_from(row, "employing_school"),
    )
    log.info(
        "loaded trainee %s: %d degree(s), TRN request %s, in %.1f ms",
        found_id,
        len(degree_records),
        trn_request.state_label if trn_request else "none",
        (time.perf_counter() - started) * 1000,
    )
    return record


def _school_from(row: RowMapping, prefix: str) -> SchoolSummary | None:
    school_id = row[f"{prefix}_row_id"]
    if school_id is None:
        return None
    return SchoolSummary(school_id, row[f"{prefix}_urn"], row[f"{prefix}_name"])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
