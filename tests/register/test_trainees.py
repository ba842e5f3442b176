"""Trainee search and loading against a real PostgreSQL with Register's schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import Connection, Engine

from services.register.schema import (
    degrees,
    dqt_trn_requests,
    providers,
    schools,
    trainees,
)
from services.register.trainees import (
    _TRAINEES_OF_PROVIDERS,
    build_search,
    load_trainee,
    parse_query,
    search,
    search_trainees,
)

CREATED = datetime(2023, 1, 10, 9, 0)
SLUG_ADA = "Ab3dEf7hJk9mNp2qRs4tUv6w"


def _provider(conn: Connection, provider_id: int, name: str, ukprn: str) -> None:
    conn.execute(
        insert(providers).values(
            id=provider_id,
            name=name,
            ukprn=ukprn,
            code=f"P{provider_id}",
            created_at=CREATED,
            updated_at=CREATED,
        )
    )


def _trainee(conn: Connection, trainee_id: int, **values: Any) -> None:
    row: dict[str, Any] = {
        "id": trainee_id,
        "slug": f"slug{trainee_id:020d}",
        "provider_id": 1,
        "state": 2,
        "training_route": 1,
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    row.update(values)
    conn.execute(insert(trainees).values(**row))


@pytest.fixture
def people(engine: Engine) -> Engine:
    with engine.begin() as conn:
        _provider(conn, 1, "Northern Teaching Partnership", "10000001")
        _provider(conn, 2, "Southern 100% Online SCITT", "10000002")
        conn.execute(
            insert(schools),
            [
                {
                    "id": 501,
                    "urn": "100501",
                    "name": "Hill Primary",
                    "created_at": CREATED,
                    "updated_at": CREATED,
                },
                {
                    "id": 502,
                    "urn": "100502",
                    "name": "Vale Academy",
                    "created_at": CREATED,
                    "updated_at": CREATED,
                },
            ],
        )
        _trainee(
            conn,
            1,
            slug=SLUG_ADA,
            first_names="Ada",
            middle_names="Augusta",
            last_name="Byron",
            date_of_birth=date(1990, 5, 2),
            email="ada@example.invalid",
            trn="1234567",
            training_route=7,
            lead_school_id=501,
            employing_school_id=502,
        )
        _trainee(conn, 2, first_names="Mary Ann", last_name="Smith", trn="2345678")
        _trainee(conn, 3, first_names="Ann", last_name="de Vries", state=4)
        _trainee(
            conn,
            4,
            first_names="Sam",
            last_name="Smithson",
            date_of_birth=date(1990, 5, 2),
            provider_id=2,
            discarded_at=datetime(2024, 1, 1),
        )
        _trainee(conn, 5, first_names="Alan", last_name="smith", provider_id=2)
        _trainee(conn, 6, first_names="Pat", last_name="O_Neil%", state=1)
        for degree in (
            {
                "id": 11,
                "trainee_id": 1,
                "slug": "deg11",
                "locale_code": 0,
                "uk_degree": "BSc",
                "subject": "Physics",
                "institution": "Open University",
                "institution_uuid": "5c9e1d2d-3fa2-e811-812b-5065f38ba241",
                "graduation_year": 2019,
                "created_at": CREATED,
                "updated_at": CREATED,
            },
            {
                "id": 12,
                "trainee_id": 1,
                "slug": "deg12",
                "locale_code": 1,
                "non_uk_degree": "Licence",
                "country": "France",
                "graduation_year": None,
                "created_at": CREATED,
                "updated_at": CREATED,
            },
            {
                "id": 13,
                "trainee_id": 1,
                "slug": "deg13",
                "locale_code": 0,
                "uk_degree": "BA",
                "graduation_year": 2017,
                "created_at": CREATED,
                "updated_at": CREATED,
            },
        ):
            conn.execute(insert(degrees).values(**degree))
        conn.execute(
            insert(dqt_trn_requests),
            [
                {
                    "id": 901,
                    "trainee_id": 6,
                    "request_id": "00000000-0000-4000-8000-000000000901",
                    "state": 2,
                    "response": {"error": "status: 500, body: , headers: {}"},
                    "created_at": datetime(2026, 11, 1, 8, 0),
                    "updated_at": datetime(2026, 11, 1, 8, 0),
                },
                {
                    "id": 902,
                    "trainee_id": 6,
                    "request_id": "00000000-0000-4000-8000-000000000902",
                    "state": 0,
                    "response": None,
                    "created_at": datetime(2026, 11, 20, 23, 59),
                    "updated_at": datetime(2026, 11, 20, 23, 59),
                },
            ],
        )
    return engine


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("1234567", "trn", "1234567"),
        (" 1234567 ", "trn", "1234567"),
        ("10000001", "provider", ("ukprn", "10000001")),
        ("42", "id", 42),
        ("#1234567", "id", 1234567),
        ("02/05/1990", "date_of_birth", date(1990, 5, 2)),
        ("2/5/1990", "date_of_birth", date(1990, 5, 2)),
        ("1990-05-02", "date_of_birth", date(1990, 5, 2)),
        (SLUG_ADA, "slug", SLUG_ADA),
        ("slug:abcdefghijkl", "slug", "abcdefghijkl"),
        ("smi", "name", None),
        ("provider: northern", "provider", ("name", "northern")),
        ("TRN: 1234567", "trn", "1234567"),
    ],
)
def test_query_kinds(typed: str, kind: str, value: Any) -> None:
    query = parse_query(typed)
    assert query.kind == kind
    assert query.value == value


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("", "Type a TRN"),
        ("   ", "Type a TRN"),
        ("31/02/1990", "is not a real date"),
        ("trn:12", "A TRN is 7 digits"),
        ("dob: soon", "A date of birth is"),
        ("id:abc", "whole number"),
        ("99999999999999999999999", "No trainee can have that id"),
        ("x" * 201, "over 200 characters"),
        ("a b c d e f g", "More than 6 words"),
        (", Mary", "Nothing before the comma"),
        ("slug:abc-def", "letters and digits only"),
        ("trn:", "Nothing after"),
    ],
)
def test_bad_input_is_a_labelled_invalid_query(typed: str, label: str) -> None:
    query = parse_query(typed)
    assert query.kind == "invalid"
    assert label in query.label


def test_name_queries_try_every_split_of_the_words() -> None:
    assert parse_query("Mary Ann Smith").name_splits == (
        ("Mary", "Ann Smith"),
        ("Mary Ann", "Smith"),
    )
    assert parse_query("Smith, Mary").name_splits == (("Mary", "Smith"),)
    assert parse_query("smi").name_splits == ((None, "smi"),)


def _ids(engine: Engine, typed: str, **options: Any) -> list[int]:
    with engine.connect() as conn:
        return [t.id for t in search_trainees(conn, typed, **options)]


def test_search_by_trn_slug_and_id(people: Engine) -> None:
    assert _ids(people, "1234567") == [1]
    assert _ids(people, SLUG_ADA.lower()) == [1]
    assert _ids(people, f"slug:{SLUG_ADA.upper()}") == [1]
    assert _ids(people, "#5") == [5]
    assert _ids(people, "7654321") == []


def test_search_by_names(people: Engine) -> None:
    # Kept trainees first, discarded last; case is ignored.
    assert _ids(people, "smith") == [5, 2, 4]
    assert _ids(people, "SMITHS") == [4]
    assert _ids(people, "Mary Ann Smith") == [2]
    assert _ids(people, "mary smith") == [2]
    assert _ids(people, "Ann de Vries") == [3]
    assert _ids(people, "Smith, Alan") == [5]
    assert _ids(people, "smith,") == [5, 2, 4]


def test_like_wildcards_are_searched_literally(people: Engine) -> None:
    assert _ids(people, "o_neil%") == [6]
    assert _ids(people, "o%") == []
    assert _ids(people, "name:_") == []


def test_search_by_date_of_birth_and_provider(people: Engine) -> None:
    assert _ids(people, "02/05/1990") == [1, 4]
    assert _ids(people, "10000002") == [5, 4]
    assert _ids(people, "provider:100%") == [5, 4]
    assert _ids(people, "provider: northern") == [1, 3, 6, 2]


def test_plain_words_find_trainees_by_provider_name_too(people: Engine) -> None:
    with people.connect() as conn:
        by_word = search(conn, "northern")
        by_whole_name = search(conn, "Northern Teaching Partnership")
        second_word = search(conn, "online")
        nothing = search(conn, "Kestrel")
    # No trainee is called Northern: the provider's trainees, in name order.
    assert [t.id for t in by_word.trainees] == [1, 3, 6, 2]
    assert {t.matched_by for t in by_word.trainees} == {"provider"}
    assert by_word.providers == ("Northern Teaching Partnership",)
    assert [t.id for t in by_whole_name.trainees] == [1, 3, 6, 2]
    assert [t.id for t in second_word.trainees] == [5, 4]
    assert second_word.providers == ("Southern 100% Online SCITT",)
    # A word inside another word is not a match ("thern" is in "Northern").
    assert _ids(people, "thern") == []
    # What was tried is in the label, for the no-match message.
    assert nothing.trainees == []
    assert nothing.providers == ()
    assert nothing.query.label == (
        "last name starting “Kestrel”, provider name with a word starting “Kestrel”"
    )


def test_name_matches_come_before_provider_matches(people: Engine) -> None:
    with people.begin() as conn:
        _provider(conn, 3, "Smith Academy SCITT", "10000003")
        _trainee(conn, 7, first_names="Zoe", last_name="Abbott", provider_id=3)
        # Found by name and by provider: listed once, as a name match.
        _trainee(conn, 8, first_names="Ben", last_name="Smith", provider_id=3)
    with people.connect() as conn:
        outcome = search(conn, "smith")
        only_names = search(conn, "name:smith")
        cut = search(conn, "smith", limit=4)
    assert [(t.id, t.matched_by) for t in outcome.trainees] == [
        (5, "name"),
        (8, "name"),
        (2, "name"),
        (4, "name"),
        (7, "provider"),
    ]
    assert outcome.providers == ("Smith Academy SCITT",)
    assert outcome.truncated is False
    # `name:` searches names only.
    assert [t.id for t in only_names.trainees] == [5, 8, 2, 4]
    assert only_names.providers == ()
    assert "provider" not in only_names.query.label
    # The names fill the limit: the provider's trainee is left out, and said so.
    assert len(cut.trainees) == 4
    assert cut.truncated is True


def test_discarded_trainees_are_marked_not_hidden(people: Engine) -> None:
    with people.connect() as conn:
        found = search_trainees(conn, "smithson")
    assert len(found) == 1
    assert found[0].discarded is True
    assert found[0].provider_name == "Southern 100% Online SCITT"
    assert found[0].full_name == "Sam Smithson"
    assert found[0].state_label == "TRN received"
    assert found[0].route_label == "provider led postgrad"


def test_limit_cuts_and_says_so(people: Engine) -> None:
    with people.connect() as conn:
        by_provider = search(conn, "provider:northern", limit=3)
        outcome = search(conn, "smith", limit=2)
        everything = search(conn, "smith")
    # No index serves a name: the scan stops at the first rows it finds, so
    # which two come back is the server's choice; they are still sorted.
    shown = outcome.trainees
    assert len(shown) == 2
    assert {t.id for t in shown} < {2, 4, 5}
    assert shown == sorted(shown, key=lambda t: (t.discarded, t.first_names))
    assert outcome.truncated is True
    assert outcome.query.label == (
        "last name starting “smith”, provider name with a word starting “smith”"
    )
    assert everything.truncated is False
    # An index serves the provider search: the first three in name order.
    assert [t.id for t in by_provider.trainees] == [1, 3, 6]
    assert by_provider.truncated is True


def test_invalid_search_sends_no_query_and_returns_nothing(people: Engine) -> None:
    with people.connect() as conn:
        outcome = search(conn, "31/02/1990")
    assert outcome.trainees == []
    assert outcome.query.kind == "invalid"


def _plan(conn: Connection, typed: str) -> str:
    statement = build_search(conn, parse_query(typed), 51)
    compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    lines = conn.execute(text(f"EXPLAIN {compiled}")).scalars().all()
    return "\n".join(lines)


def test_trn_slug_and_id_searches_can_use_registers_indexes(people: Engine) -> None:
    # Small tables make sequential scans cheapest; with them discouraged the
    # plan shows whether an index is able to serve the query at all.
    with people.begin() as conn:
        assert "index_trainees_on_trn" in _plan(conn, "1234567")
        assert "index_trainees_on_slug" in _plan(conn, SLUG_ADA)
        assert "trainees_pkey" in _plan(conn, "#5")
        assert "index_trainees_on_provider_id" in _plan(conn, "10000002")
        # Plain words find providers first, then their trainees by provider_id.
        by_provider = _TRAINEES_OF_PROVIDERS.params(provider_ids=[1, 2], limit=51)
        compiled = by_provider.compile(conn, compile_kwargs={"literal_binds": True})
        explained = conn.execute(text(f"EXPLAIN {compiled}")).scalars().all()
        assert "index_trainees_on_provider_id" in "\n".join(explained)
        # Register has no name index: the name search scans (measured in bench/).
        name_plan = _plan(conn, "smith")
        assert "last_name" in name_plan
        assert not [
            line
            for line in name_plan.splitlines()
            if "Index Cond" in line and "last_name" in line
        ]


def test_load_trainee_with_provider_degrees_and_schools(people: Engine) -> None:
    with people.connect() as conn:
        record = load_trainee(conn, slug=SLUG_ADA.lower(), today=date(2026, 12, 4))

    assert record is not None
    assert record.id == 1
    assert record.slug == SLUG_ADA
    assert record.full_name == "Ada Augusta Byron"
    assert record["email"] == "ada@example.invalid"
    assert record.date_of_birth == date(1990, 5, 2)
    assert record.provider is not None
    assert (record.provider.name, record.provider_ukprn) == (
        "Northern Teaching Partnership",
        "10000001",
    )
    assert [d.id for d in record.degrees] == [13, 11, 12]
    assert record.first_degree is not None
    assert record.first_degree.uk_degree == "BA"
    assert record.degrees[1].institution_uuid == "5c9e1d2d-3fa2-e811-812b-5065f38ba241"
    assert record.degrees[2].is_uk is False
    assert record.degrees[2].type_name == "Licence"
    assert record.lead_school is not None
    assert (record.lead_school.urn, record.lead_school.name) == (
        "100501",
        "Hill Primary",
    )
    assert record.employing_school is not None
    assert record.employing_school.name == "Vale Academy"
    assert record.trn_request is None
    assert record.updated_at == CREATED
    assert record.state_label == "TRN received"
    assert record.route_label == "early years salaried"
    assert record.award_type == "EYTS"
    assert record.programme_type == "EYITTGraduateEmploymentBased"


def test_load_trainee_trn_request_newest_with_days_waiting(people: Engine) -> None:
    with people.connect() as conn:
        record = load_trainee(conn, 6, today=date(2026, 12, 4))

    assert record is not None
    assert record.trn_request is not None
    assert record.trn_request.id == 902
    assert record.trn_request.request_id == "00000000-0000-4000-8000-000000000902"
    assert record.trn_request.state_label == "requested"
    assert record.trn_request.days_waiting == 14
    assert record.trn_request_count == 2
    assert record.degrees == ()
    assert record.lead_school is None
    assert record.award_type == "QTS"


def test_load_trainee_discarded_missing_and_bad_arguments(people: Engine) -> None:
    with people.connect() as conn:
        discarded = load_trainee(conn, 4)
        assert discarded is not None and discarded.discarded is True
        assert load_trainee(conn, 999) is None
        assert load_trainee(conn, slug="nosuchslug") is None
        with pytest.raises(ValueError, match="exactly one"):
            load_trainee(conn)
        with pytest.raises(ValueError, match="exactly one"):
            load_trainee(conn, 1, slug=SLUG_ADA)


def test_unknown_enum_values_load_with_unknown_labels(people: Engine) -> None:
    with people.begin() as conn:
        _trainee(conn, 7, state=9, training_route=99, last_name="Odd")
    with people.connect() as conn:
        record = load_trainee(conn, 7)
    assert record is not None
    assert record.state_label == "unknown (9)"
    assert record.route_label == "unknown (99)"
    assert record.programme_type is None
    assert record.full_name == "Odd"
