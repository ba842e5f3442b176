"""Degree UKPRN look-up: the first degree, the configured list, the message."""

from __future__ import annotations

import json

from services import fixes
from tests.fixes.helpers import add_degree, add_trainee, journal_entries

KNOWN = "aaaaaaaa-0000-4000-8000-000000000001"
NO_UKPRN = "aaaaaaaa-0000-4000-8000-000000000002"
LATER = "aaaaaaaa-0000-4000-8000-000000000003"


def _institutions(tmp_path):
    path = tmp_path / "institutions.json"
    path.write_text(
        json.dumps(
            {
                "institutions": [
                    {
                        "id": KNOWN,
                        "name": "University of Northmoor",
                        "ukprn": "10099901",
                        "hesa_itt_code": "9001",
                        "closed": None,
                    },
                    {
                        "id": NO_UKPRN,
                        "name": "Other UK institution",
                        "ukprn": None,
                        "hesa_itt_code": None,
                        "closed": None,
                        "generic": True,
                    },
                    {
                        "id": LATER,
                        "name": "Southdale College",
                        "ukprn": "10099902",
                        "hesa_itt_code": "9002",
                        "closed": None,
                    },
                ]
            }
        )
    )
    return path


def test_the_first_degree_is_looked_up_and_a_message_written(
    engine, provider, make_ctx, tmp_path
):
    add_trainee(engine, 70, trn="3456781")
    add_degree(engine, 70, graduation_year=2021, institution_uuid=LATER)
    add_degree(engine, 70, graduation_year=2018, institution_uuid=KNOWN.upper())
    ctx = make_ctx(institutions_path=_institutions(tmp_path))

    preview = fixes.preview(ctx, "degree_ukprn_lookup", "70")

    assert preview.blocked is None
    assert preview.read_only
    assert preview.db_changes == () and preview.redis_changes == ()
    assert "University of Northmoor" in preview.message
    assert "UKPRN: 10099901" in preview.message
    assert "TRN 3456781" in preview.message
    entry = journal_entries(ctx)[-1]
    assert (entry.action, entry.outcome) == ("fix:degree_ukprn_lookup", "previewed")


def test_without_a_configured_list_it_says_so(engine, provider, ctx):
    add_trainee(engine, 71)
    add_degree(engine, 71, graduation_year=2018, institution_uuid=KNOWN)

    preview = fixes.preview(ctx, "degree_ukprn_lookup", "71")

    assert preview.blocked == (
        "no degree-institutions list is configured (TRIAGE_INSTITUTIONS_FILE)"
    )
    assert preview.message is None


def test_a_generic_institution_has_no_ukprn_to_send(
    engine, provider, make_ctx, tmp_path
):
    add_trainee(engine, 72)
    add_degree(engine, 72, graduation_year=2018, institution_uuid=NO_UKPRN)
    ctx = make_ctx(institutions_path=_institutions(tmp_path))

    preview = fixes.preview(ctx, "degree_ukprn_lookup", "72")

    assert preview.blocked is not None
    assert "has no UKPRN in the reference list (a generic entry)" in preview.blocked


def test_no_degree_and_unreadable_list_are_explained(
    engine, provider, make_ctx, tmp_path
):
    add_trainee(engine, 73)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    ctx = make_ctx(institutions_path=broken)

    assert "has no degree" in fixes.preview(ctx, "degree_ukprn_lookup", "73").blocked
    add_degree(engine, 73, graduation_year=2018, institution_uuid=KNOWN)
    assert "cannot be read" in fixes.preview(ctx, "degree_ukprn_lookup", "73").blocked
