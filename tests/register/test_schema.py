"""Register's DQT-era schema, checked on a real PostgreSQL server.

The expected columns are written from Register's db/schema.rb at 109c558a5
(../shared/domain/register.md sections 1.1, 2, 4.5, 6 and 7), as PostgreSQL's
`information_schema` reports them: `string` is "character varying", `datetime`
is "timestamp without time zone".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from services.register import schema

VARCHAR = "character varying"
TS = "timestamp without time zone"

TRAINEES = {
    "id": "bigint",
    "trainee_id": "text",
    "first_names": "text",
    "middle_names": "text",
    "last_name": "text",
    "date_of_birth": "date",
    "email": "text",
    "sex": "integer",
    "address_line_one": "text",
    "address_line_two": "text",
    "town_city": "text",
    "postcode": "text",
    "international_address": "text",
    "locale_code": "integer",
    "diversity_disclosure": "integer",
    "ethnic_group": "integer",
    "ethnic_background": "text",
    "additional_ethnic_background": "text",
    "disability_disclosure": "integer",
    "trn": VARCHAR,
    "hesa_id": VARCHAR,
    "dttp_id": "uuid",
    "placement_assignment_dttp_id": "uuid",
    "dormancy_dttp_id": "uuid",
    "provider_id": "bigint",
    "apply_application_id": "bigint",
    "hesa_trn_submission_id": "bigint",
    "state": "integer",
    "submitted_for_trn_at": TS,
    "recommended_for_award_at": TS,
    "awarded_at": TS,
    "outcome_date": "date",
    "withdraw_reason": "integer",
    "withdraw_date": TS,
    "additional_withdraw_reason": VARCHAR,
    "defer_date": "date",
    "reinstate_date": "date",
    "trainee_start_date": "date",
    "commencement_status": "integer",
    "discarded_at": TS,
    "training_route": "integer",
    "training_initiative": "integer",
    "course_uuid": "uuid",
    "course_subject_one": "text",
    "course_subject_two": "text",
    "course_subject_three": "text",
    "course_min_age": "integer",
    "course_max_age": "integer",
    "course_education_phase": "integer",
    "study_mode": "integer",
    "itt_start_date": "date",
    "itt_end_date": "date",
    "course_allocation_subject_id": "bigint",
    "start_academic_cycle_id": "bigint",
    "end_academic_cycle_id": "bigint",
    "iqts_country": VARCHAR,
    "applying_for_bursary": "boolean",
    "applying_for_scholarship": "boolean",
    "applying_for_grant": "boolean",
    "bursary_tier": "integer",
    "lead_school_id": "bigint",
    "employing_school_id": "bigint",
    "lead_school_not_applicable": "boolean",
    "employing_school_not_applicable": "boolean",
    "progress": "jsonb",
    "submission_ready": "boolean",
    "record_source": VARCHAR,
    "created_from_dttp": "boolean",
    "created_from_hesa": "boolean",
    "hesa_updated_at": TS,
    "hesa_editable": "boolean",
    "additional_dttp_data": "jsonb",
    "dttp_update_sha": VARCHAR,
    "ebacc": "boolean",
    "region": VARCHAR,
    "created_at": TS,
    "updated_at": TS,
}

AUDITS = {
    "id": "bigint",
    "auditable_id": "integer",
    "auditable_type": VARCHAR,
    "associated_id": "integer",
    "associated_type": VARCHAR,
    "user_id": "integer",
    "user_type": VARCHAR,
    "username": VARCHAR,
    "action": VARCHAR,
    "audited_changes": "jsonb",
    "version": "integer",
    "comment": VARCHAR,
    "remote_address": VARCHAR,
    "request_uuid": VARCHAR,
    "created_at": TS,
}

DEGREES = {
    "id": "bigint",
    "trainee_id": "bigint",
    "locale_code": "integer",
    "uk_degree": VARCHAR,
    "uk_degree_uuid": "uuid",
    "non_uk_degree": VARCHAR,
    "subject": VARCHAR,
    "subject_uuid": "uuid",
    "institution": VARCHAR,
    "institution_uuid": "uuid",
    "grade": VARCHAR,
    "grade_uuid": "uuid",
    "other_grade": "text",
    "graduation_year": "integer",
    "country": VARCHAR,
    "dttp_id": "uuid",
    "created_at": TS,
    "updated_at": TS,
}

DQT_TRN_REQUESTS = {
    "id": "bigint",
    "trainee_id": "bigint",
    "request_id": "uuid",
    "response": "jsonb",
    "state": "integer",
    "created_at": TS,
    "updated_at": TS,
}

PROVIDERS = {
    "id": "bigint",
    "name": VARCHAR,
    "code": VARCHAR,
    "ukprn": VARCHAR,
    "accreditation_id": VARCHAR,
    "dttp_id": "uuid",
    "apply_sync_enabled": "boolean",
    "created_at": TS,
    "updated_at": TS,
}

SCHOOLS_REQUIRED = {"urn": VARCHAR, "name": VARCHAR, "lead_school": "boolean"}
USERS_REQUIRED = {"email": VARCHAR, "system_admin": "boolean"}


def _columns(engine: Any, table: str) -> dict[str, str]:
    query = text(
        "SELECT column_name, data_type, udt_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = :table"
    )
    with engine.connect() as connection:
        rows = connection.execute(query, {"table": table}).all()
    return {name: (udt if kind == "USER-DEFINED" else kind) for name, kind, udt in rows}


def _slug_type(engine: Any) -> str:
    with engine.connect() as connection:
        has_citext = connection.execute(
            text("SELECT 1 FROM pg_extension WHERE extname = 'citext'")
        ).first()
    return "citext" if has_citext else "text"


def test_trainees_columns_are_registers(engine: Any) -> None:
    expected = dict(TRAINEES, slug=_slug_type(engine))
    assert _columns(engine, "trainees") == expected


def test_audits_degrees_trn_requests_providers_columns(engine: Any) -> None:
    assert _columns(engine, "audits") == AUDITS
    assert _columns(engine, "degrees") == dict(DEGREES, slug=_slug_type(engine))
    assert _columns(engine, "dqt_trn_requests") == DQT_TRN_REQUESTS
    assert _columns(engine, "providers") == PROVIDERS


def test_schools_and_users_hold_what_the_product_reads(engine: Any) -> None:
    assert SCHOOLS_REQUIRED.items() <= _columns(engine, "schools").items()
    assert USERS_REQUIRED.items() <= _columns(engine, "users").items()


def test_defaults_are_registers(engine: Any) -> None:
    with engine.begin() as connection:
        provider_id = connection.execute(
            text(
                "INSERT INTO providers (name, created_at, updated_at)"
                " VALUES ('Defaults', now(), now()) RETURNING id"
            )
        ).scalar_one()
        row = connection.execute(
            text(
                "INSERT INTO trainees (slug, provider_id, created_at, updated_at)"
                " VALUES ('defaults1', :provider, now(), now())"
                " RETURNING state, progress, submission_ready, created_from_hesa"
            ),
            {"provider": provider_id},
        ).one()
    assert row.state == 0
    assert row.progress == {}
    assert row.submission_ready is False
    assert row.created_from_hesa is False


def test_indexes_are_registers(engine: Any) -> None:
    inspector = inspect(engine)
    trainee_indexes = {index["name"] for index in inspector.get_indexes("trainees")}
    assert {
        "index_trainees_on_slug",
        "index_trainees_on_trn",
        "index_trainees_on_state",
        "index_trainees_on_training_route",
        "index_trainees_on_provider_id",
        "index_trainees_on_hesa_id",
        "index_trainees_on_discarded_at",
        "index_trainees_on_progress",
    } <= trainee_indexes
    audit_indexes = {index["name"] for index in inspector.get_indexes("audits")}
    assert audit_indexes == {
        "associated_index",
        "auditable_index",
        "index_audits_on_created_at",
        "index_audits_on_request_uuid",
        "user_index",
    }


def test_slug_is_unique_ignoring_case(engine: Any) -> None:
    insert_provider = text(
        "INSERT INTO providers (name, created_at, updated_at)"
        " VALUES ('Slugs', now(), now()) RETURNING id"
    )
    insert_trainee = text(
        "INSERT INTO trainees (slug, provider_id, created_at, updated_at)"
        " VALUES (:slug, :provider, now(), now())"
    )
    with engine.begin() as connection:
        provider_id = connection.execute(insert_provider).scalar_one()
        connection.execute(insert_trainee, {"slug": "AbCd", "provider": provider_id})

    failed = False
    try:
        with engine.begin() as connection:
            connection.execute(
                insert_trainee, {"slug": "abcd", "provider": provider_id}
            )
    except Exception as error:  # the driver's UniqueViolation, wrapped
        failed = "index_trainees_on_slug" in str(error)
    assert failed

    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM trainees WHERE lower(slug) = lower('ABCD')")
        ).scalar_one()
    assert found == 1


def test_drop_schema_removes_only_registers_tables(engine: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS unrelated_keep (x int)"))
    try:
        schema.drop_schema(engine)
        names = set(inspect(engine).get_table_names())
        assert not names & set(schema.TABLE_NAMES)
        assert "unrelated_keep" in names

        schema.create_schema(engine)
        assert set(schema.TABLE_NAMES) <= set(inspect(engine).get_table_names())
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS unrelated_keep"))


def test_text_fallback_builds_a_lower_slug_index() -> None:
    fallback = schema.build_metadata(citext=False)
    index = next(
        index
        for index in fallback.tables["trainees"].indexes
        if index.name == "index_trainees_on_slug"
    )
    assert index.unique
    assert "lower(" in str(index.expressions[0]).lower()
    assert str(fallback.tables["trainees"].c.slug.type) == "TEXT"
    assert set(schema.metadata.tables) == set(schema.TABLE_NAMES)
