"""The demo's providers, schools, users and degree institutions (all invented).

The degree institutions come from `sandbox/institutions.json`, a small synthetic
list in the shape of DfE reference data (`{"source": ..., "institutions": [{id,
name, ukprn, hesa_itt_code, closed}]}`). One institution with a UKPRN is left out
of the DQT simulator's organisations on purpose: a degree from it makes DQT answer
`qualification.providerUkprn: Organisation not found`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

INSTITUTIONS_PATH = Path(__file__).with_name("institutions.json")


@dataclass(frozen=True)
class DemoProvider:
    id: int
    name: str
    code: str
    ukprn: str
    accreditation_id: str


@dataclass(frozen=True)
class DemoSchool:
    id: int
    urn: str
    name: str
    town: str
    postcode: str
    lead_school: bool


@dataclass(frozen=True)
class DemoUser:
    id: int
    first_name: str
    last_name: str
    email: str
    system_admin: bool


PROVIDERS = (
    DemoProvider(1, "Fernhill Teaching Partnership SCITT", "1FH", "19900101", "5101"),
    DemoProvider(2, "University of Northmoor", "N21", "19910001", "1201"),
    DemoProvider(3, "Kestrel Bay Teacher Training", "2KB", "19900103", "5103"),
    DemoProvider(4, "Thornbury Schools Alliance", "3TS", "19900104", "5104"),
    DemoProvider(5, "Saltmarsh Early Years Consortium", "4SE", "19900105", "5105"),
)

SCHOOLS = (
    DemoSchool(1, "900001", "Fernhill Primary School", "Fernhill", "ZZ1 1AA", True),
    DemoSchool(2, "900002", "Kestrel Bay Academy", "Kestrel Bay", "ZZ2 2BB", True),
    DemoSchool(3, "900003", "Thornbury High School", "Thornbury", "ZZ3 3CC", False),
    DemoSchool(4, "900004", "Saltmarsh Nursery School", "Saltmarsh", "ZZ4 4DD", False),
    DemoSchool(5, "900005", "Northmoor Church School", "Northmoor", "ZZ5 5EE", True),
    DemoSchool(6, "900006", "Elmstead Community College", "Elmstead", "ZZ6 6FF", False),
)

USERS = (
    DemoUser(1, "Sam", "Support", "sam.support@example.org", True),
    DemoUser(2, "Priya", "Provider", "priya.provider@example.org", False),
    DemoUser(3, "Oliver", "Office", "oliver.office@example.org", False),
)

# The degree institution DQT does not know (it has a UKPRN in the list).
UNKNOWN_TO_DQT_INSTITUTION = "Glenhaven Conservatoire"


@cache
def _institutions_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(INSTITUTIONS_PATH.read_text(encoding="utf-8"))
    return data


def institutions() -> list[dict[str, Any]]:
    """A fresh copy of the synthetic institutions (callers may change it)."""
    return [dict(entry) for entry in _institutions_file()["institutions"]]


def institution_by_name(name: str) -> dict[str, Any]:
    for entry in institutions():
        if entry["name"] == name:
            return entry
    raise KeyError(name)


def ordinary_institutions() -> list[dict[str, Any]]:
    """Open institutions with a UKPRN that DQT knows: the usual degree source."""
    return [
        entry
        for entry in institutions()
        if entry.get("ukprn")
        and not entry.get("closed")
        and entry["name"] != UNKNOWN_TO_DQT_INSTITUTION
    ]


def dqt_organisation_ukprns() -> list[str]:
    """Every UKPRN the DQT simulator knows: providers and degree institutions."""
    known = [provider.ukprn for provider in PROVIDERS]
    for entry in institutions():
        ukprn = entry.get("ukprn")
        if ukprn and entry["name"] != UNKNOWN_TO_DQT_INSTITUTION and ukprn not in known:
            known.append(ukprn)
    return known
