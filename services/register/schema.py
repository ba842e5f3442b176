"""Register's tables in SQLAlchemy Core, DQT era (db/schema.rb at 109c558a5).

Table names, column names, types, defaults and the indexes listed below are
Register's, so the same queries run against a copy of Register's database and
against the sandbox. Only the tables this product reads or writes are here.

Column types follow Rails' PostgreSQL mapping: `string` -> varchar, `text` ->
text, `datetime` -> timestamp without time zone, `bigint` ids.

Indexes: those Register's schema.rb declares on these tables for columns that
existed in 2023-05. Two later indexes are left out on purpose:
`index_trainees_on_submission_ready` (added after 2023-06) and the composite
`index_trainees_on_discarded_at__record_source__provider__state` (date not
verified). Foreign keys are kept only between tables defined here.

Slugs are `citext` in Register. The embedded PostgreSQL ships no contrib
extensions, so `create_schema` falls back to `text` with a unique index on
`lower(slug)`. Each index serves one comparison only: `slug = :slug` on citext
(which ignores case), `lower(slug) = lower(:slug)` on text. So queries by slug
ask which type the column has and compare accordingly
(`services.register.trainees.slug_matches`).

The product never creates or alters tables in a database it did not create:
only the sandbox, the tests and `triage sandbox seed` call `create_schema`.
"""

from __future__ import annotations

import logging

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import CITEXT, JSONB, TSVECTOR, UUID
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine

log = logging.getLogger(__name__)

# The largest id a `bigint` column holds: a bigger number is no row's id, and
# comparing a column with it is an error in PostgreSQL, not a miss.
BIGINT_MAX = 2**63 - 1

# Rails `datetime` columns: timestamp without time zone.
Timestamp = DateTime(timezone=False)

TABLE_NAMES = (
    "providers",
    "schools",
    "users",
    "courses",
    "trainees",
    "degrees",
    "dqt_trn_requests",
    "hesa_metadata",
    "audits",
)


def _timestamps() -> list[Column]:
    return [
        Column("created_at", Timestamp, nullable=False),
        Column("updated_at", Timestamp, nullable=False),
    ]


def _slug_index(table_name: str, column: Column, citext: bool) -> Index:
    """Register's unique slug index, or its case-insensitive stand-in on text."""
    name = f"index_{table_name}_on_slug"
    if citext:
        return Index(name, column, unique=True)
    return Index(name, func.lower(column), unique=True)


def build_metadata(*, citext: bool = True) -> MetaData:
    """Register's tables; `citext=False` gives the stand-in for servers without it."""
    metadata = MetaData()
    slug_type: TypeEngine = CITEXT() if citext else Text()

    Table(
        "providers",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("name", String, nullable=False),
        *_timestamps(),
        Column("dttp_id", UUID(as_uuid=False)),
        Column("apply_sync_enabled", Boolean, server_default=text("false")),
        Column("code", String),
        Column("ukprn", String),
        Column("accreditation_id", String),
        Index("index_providers_on_accreditation_id", "accreditation_id", unique=True),
        Index("index_providers_on_dttp_id", "dttp_id", unique=True),
    )

    Table(
        "schools",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("urn", String, nullable=False),
        Column("name", String, nullable=False),
        Column("postcode", String),
        Column("town", String),
        Column("open_date", Date),
        Column("close_date", Date),
        *_timestamps(),
        Column("lead_school", Boolean),
        Column("searchable", TSVECTOR),
        Index("index_schools_on_urn", "urn", unique=True),
        Index("index_schools_on_lead_school", "lead_school"),
        Index(
            "index_schools_on_close_date",
            "close_date",
            postgresql_where=text("close_date IS NULL"),
        ),
        Index("index_schools_on_searchable", "searchable", postgresql_using="gin"),
    )

    Table(
        "users",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("first_name", String, nullable=False),
        Column("last_name", String, nullable=False),
        Column("email", String, nullable=False),
        *_timestamps(),
        Column("dfe_sign_in_uid", String),
        Column("last_signed_in_at", Timestamp),
        Column("dttp_id", UUID(as_uuid=False)),
        Column("system_admin", Boolean, server_default=text("false")),
        Column("welcome_email_sent_at", Timestamp),
        Column("discarded_at", Timestamp),
        Index("index_users_on_dfe_sign_in_uid", "dfe_sign_in_uid", unique=True),
        Index("index_users_on_discarded_at", "discarded_at"),
        Index(
            "index_unique_active_users",
            "email",
            unique=True,
            postgresql_where=text("discarded_at IS NULL"),
        ),
        Index(
            "index_unique_active_dttp_users",
            "dttp_id",
            unique=True,
            postgresql_where=text("discarded_at IS NULL"),
        ),
    )

    Table(
        "courses",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("name", String, nullable=False),
        Column("code", String, nullable=False),
        *_timestamps(),
        Column("published_start_date", Date, nullable=False),
        Column("duration_in_years", Integer, nullable=False),
        Column("course_length", String),
        Column("qualification", Integer, nullable=False),
        Column("route", Integer, nullable=False),
        Column("summary", String, nullable=False),
        Column("level", Integer, nullable=False),
        Column("accredited_body_code", String, nullable=False),
        Column("min_age", Integer),
        Column("max_age", Integer),
        Column("study_mode", Integer),
        Column("uuid", UUID(as_uuid=False)),
        Column("recruitment_cycle_year", Integer),
        Column("full_time_start_date", Date),
        Column("full_time_end_date", Date),
        Column("part_time_start_date", Date),
        Column("part_time_end_date", Date),
        Index(
            "index_courses_on_code_and_accredited_body_code",
            "code",
            "accredited_body_code",
        ),
        Index("index_courses_on_recruitment_cycle_year", "recruitment_cycle_year"),
        Index("index_courses_on_uuid", "uuid", unique=True),
    )

    trainee_slug = Column("slug", slug_type, nullable=False)
    Table(
        "trainees",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("trainee_id", Text),
        Column("first_names", Text),
        Column("last_name", Text),
        Column("date_of_birth", Date),
        *_timestamps(),
        Column("address_line_one", Text),
        Column("address_line_two", Text),
        Column("town_city", Text),
        Column("postcode", Text),
        Column("email", Text),
        Column("dttp_id", UUID(as_uuid=False)),
        Column("middle_names", Text),
        Column("training_route", Integer),
        Column("international_address", Text),
        Column("locale_code", Integer),
        Column("sex", Integer),
        Column("diversity_disclosure", Integer),
        Column("ethnic_group", Integer),
        Column("ethnic_background", Text),
        Column("additional_ethnic_background", Text),
        Column("disability_disclosure", Integer),
        Column("course_subject_one", Text),
        Column("itt_start_date", Date),
        Column("progress", JSONB, server_default=text("'{}'::jsonb")),
        Column("provider_id", BigInteger, ForeignKey("providers.id"), nullable=False),
        Column("outcome_date", Date),
        Column("itt_end_date", Date),
        Column("placement_assignment_dttp_id", UUID(as_uuid=False)),
        Column("trn", String),
        Column("submitted_for_trn_at", Timestamp),
        Column("state", Integer, server_default=text("0")),
        Column("withdraw_reason", Integer),
        Column("withdraw_date", Timestamp),
        Column("additional_withdraw_reason", String),
        Column("defer_date", Date),
        trainee_slug,
        Column("recommended_for_award_at", Timestamp),
        Column("dttp_update_sha", String),
        Column("trainee_start_date", Date),
        Column("reinstate_date", Date),
        Column("dormancy_dttp_id", UUID(as_uuid=False)),
        Column("lead_school_id", BigInteger, ForeignKey("schools.id")),
        Column("employing_school_id", BigInteger, ForeignKey("schools.id")),
        # Register's FK to apply_applications: that table is not mirrored here.
        Column("apply_application_id", BigInteger),
        Column("course_min_age", Integer),
        Column("course_max_age", Integer),
        Column("course_subject_two", Text),
        Column("course_subject_three", Text),
        Column("awarded_at", Timestamp),
        Column("applying_for_bursary", Boolean),
        Column("training_initiative", Integer),
        Column("bursary_tier", Integer),
        Column("study_mode", Integer),
        Column("ebacc", Boolean, server_default=text("false")),
        Column("region", String),
        Column("course_education_phase", Integer),
        Column("applying_for_scholarship", Boolean),
        Column("applying_for_grant", Boolean),
        Column("course_uuid", UUID(as_uuid=False)),
        Column("lead_school_not_applicable", Boolean, server_default=text("false")),
        Column(
            "employing_school_not_applicable", Boolean, server_default=text("false")
        ),
        Column("submission_ready", Boolean, server_default=text("false")),
        Column("commencement_status", Integer),
        Column("discarded_at", Timestamp),
        Column(
            "created_from_dttp", Boolean, server_default=text("false"), nullable=False
        ),
        Column("hesa_id", String),
        Column("additional_dttp_data", JSONB),
        Column(
            "created_from_hesa", Boolean, server_default=text("false"), nullable=False
        ),
        Column("hesa_updated_at", Timestamp),
        # FKs to allocation_subjects, academic_cycles and hesa_trn_submissions
        # in Register; those tables are not mirrored here.
        Column("course_allocation_subject_id", BigInteger),
        Column("start_academic_cycle_id", BigInteger),
        Column("end_academic_cycle_id", BigInteger),
        Column("record_source", String),
        Column("hesa_trn_submission_id", BigInteger),
        Column("iqts_country", String),
        Column("hesa_editable", Boolean, server_default=text("false")),
        _slug_index("trainees", trainee_slug, citext),
        Index("index_trainees_on_apply_application_id", "apply_application_id"),
        Index(
            "index_trainees_on_course_allocation_subject_id",
            "course_allocation_subject_id",
        ),
        Index("index_trainees_on_course_uuid", "course_uuid"),
        Index("index_trainees_on_disability_disclosure", "disability_disclosure"),
        Index("index_trainees_on_discarded_at", "discarded_at"),
        Index("index_trainees_on_diversity_disclosure", "diversity_disclosure"),
        Index("index_trainees_on_dttp_id", "dttp_id"),
        Index("index_trainees_on_employing_school_id", "employing_school_id"),
        Index("index_trainees_on_end_academic_cycle_id", "end_academic_cycle_id"),
        Index("index_trainees_on_ethnic_group", "ethnic_group"),
        Index("index_trainees_on_hesa_id", "hesa_id"),
        Index("index_trainees_on_hesa_trn_submission_id", "hesa_trn_submission_id"),
        Index("index_trainees_on_lead_school_id", "lead_school_id"),
        Index("index_trainees_on_locale_code", "locale_code"),
        Index("index_trainees_on_progress", "progress", postgresql_using="gin"),
        Index("index_trainees_on_provider_id", "provider_id"),
        Index("index_trainees_on_sex", "sex"),
        Index("index_trainees_on_start_academic_cycle_id", "start_academic_cycle_id"),
        Index("index_trainees_on_state", "state"),
        Index("index_trainees_on_training_route", "training_route"),
        Index("index_trainees_on_trn", "trn"),
    )

    degree_slug = Column("slug", slug_type, nullable=False)
    Table(
        "degrees",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("locale_code", Integer, nullable=False),
        Column("uk_degree", String),
        Column("non_uk_degree", String),
        Column("trainee_id", BigInteger, ForeignKey("trainees.id"), nullable=False),
        *_timestamps(),
        Column("subject", String),
        Column("institution", String),
        Column("graduation_year", Integer),
        Column("grade", String),
        Column("country", String),
        Column("other_grade", Text),
        degree_slug,
        Column("dttp_id", UUID(as_uuid=False)),
        Column("institution_uuid", UUID(as_uuid=False)),
        Column("uk_degree_uuid", UUID(as_uuid=False)),
        Column("subject_uuid", UUID(as_uuid=False)),
        Column("grade_uuid", UUID(as_uuid=False)),
        _slug_index("degrees", degree_slug, citext),
        Index("index_degrees_on_dttp_id", "dttp_id"),
        Index("index_degrees_on_locale_code", "locale_code"),
        Index("index_degrees_on_trainee_id", "trainee_id"),
    )

    Table(
        "dqt_trn_requests",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("trainee_id", BigInteger, ForeignKey("trainees.id"), nullable=False),
        Column("request_id", UUID(as_uuid=False), nullable=False),
        Column("response", JSONB),
        Column("state", Integer, server_default=text("0")),
        *_timestamps(),
        Index("index_dqt_trn_requests_on_request_id", "request_id", unique=True),
        Index("index_dqt_trn_requests_on_trainee_id", "trainee_id"),
    )

    Table(
        "hesa_metadata",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("trainee_id", BigInteger),
        Column("study_length", Integer),
        Column("study_length_unit", String),
        Column("itt_aim", String),
        Column("itt_qualification_aim", String),
        Column("fundability", String),
        Column("service_leaver", String),
        Column("course_programme_title", String),
        Column("placement_school_urn", Integer),
        Column("pg_apprenticeship_start_date", Date),
        Column("year_of_course", String),
        *_timestamps(),
        Index("index_hesa_metadata_on_trainee_id", "trainee_id"),
    )

    # The audited gem's table: integer ids, jsonb changes, no updated_at.
    Table(
        "audits",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("auditable_id", Integer),
        Column("auditable_type", String),
        Column("associated_id", Integer),
        Column("associated_type", String),
        Column("user_id", Integer),
        Column("user_type", String),
        Column("username", String),
        Column("action", String),
        Column("audited_changes", JSONB),
        Column("version", Integer, server_default=text("0")),
        Column("comment", String),
        Column("remote_address", String),
        Column("request_uuid", String),
        Column("created_at", Timestamp),
        Index("associated_index", "associated_type", "associated_id"),
        Index("auditable_index", "auditable_type", "auditable_id", "version"),
        Index("index_audits_on_created_at", "created_at"),
        Index("index_audits_on_request_uuid", "request_uuid"),
        Index("user_index", "user_id", "user_type"),
    )

    return metadata


# The tables for queries; column types do not change what a query compiles to.
metadata = build_metadata(citext=True)
providers = metadata.tables["providers"]
schools = metadata.tables["schools"]
users = metadata.tables["users"]
courses = metadata.tables["courses"]
trainees = metadata.tables["trainees"]
degrees = metadata.tables["degrees"]
dqt_trn_requests = metadata.tables["dqt_trn_requests"]
hesa_metadata = metadata.tables["hesa_metadata"]
audits = metadata.tables["audits"]


def citext_available(engine: Engine) -> bool:
    """True when `citext` exists or can be created on this server."""
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS citext"))
    except DBAPIError as error:
        log.info("citext unavailable, slugs use text + lower() index: %s", error.orig)
        return False
    return True


def create_schema(engine: Engine) -> bool:
    """Create Register's tables; returns whether slugs are citext.

    Only for databases this product created (sandbox, tests, `sandbox seed`).
    """
    citext = citext_available(engine)
    build_metadata(citext=citext).create_all(engine)
    log.info("created Register schema (citext=%s)", citext)
    return citext


def drop_schema(engine: Engine) -> None:
    """Drop the tables `create_schema` made (and nothing else); for tests."""
    build_metadata(citext=False).drop_all(engine, checkfirst=True)
    log.info("dropped Register schema")
