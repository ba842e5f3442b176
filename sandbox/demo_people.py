"""Invented people and identifiers for the demo data, the same on every run.

Nothing here depends on the date: a trainee's name, slug, date of birth and TRN
come from its id alone, so the demo's playbook trainees can be named in docs and
tests. Randomness, where used, comes from `random.Random` with a fixed seed.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

FIRST_NAMES = (
    "Amara", "Bram", "Cecily", "Dov", "Elin", "Fergal", "Greer", "Hollis", "Isla",
    "Jory", "Keziah", "Lorcan", "Maren", "Nico", "Orla", "Piran", "Quilla", "Rafe",
    "Saoirse", "Tamsin", "Ulric", "Vesna", "Wren", "Xanthe", "Yusuf", "Zola",
    "Anouk", "Bastian", "Carys", "Dashiell", "Eilidh", "Florian", "Gwyneth", "Hamish",
)  # fmt: skip

MIDDLE_NAMES = (None, None, None, "Rose", "James", "Mae", "Arthur", "Lily", "Kit")

LAST_NAMES = (
    "Ashgrove", "Blackthorn", "Carraway", "Dunmore", "Elderfield", "Fairbairn",
    "Glasspool", "Hawthorne", "Ironside", "Juniper", "Kettleby", "Larkspur",
    "Merriweather", "Nettlefold", "Oakenshaw", "Pennyworth", "Quarrington",
    "Rookwood", "Silverdale", "Thistlewood", "Underhill", "Valeford", "Whitlock",
    "Yarrowby", "Zennor", "Amberley", "Brightwater", "Coldharbour", "Dewhurst",
)  # fmt: skip

SUBJECTS = (
    "Mathematics", "English studies", "Biology", "Chemistry", "Physics", "History",
    "Geography", "Computing", "French language", "Music education and teaching",
    "Primary teaching",
)  # fmt: skip

DEGREE_SUBJECTS = (
    "Mathematics", "English literature", "Biology", "Chemistry", "Physics",
    "History", "Geography", "Computer science", "French language", "Music",
    "Psychology", "Sociology",
)  # fmt: skip

DEGREE_TYPES = ("Bachelor of Arts", "Bachelor of Science", "Bachelor of Education")

DEGREE_GRADES = (
    "First-class honours",
    "Upper second-class honours (2:1)",
    "Lower second-class honours (2:2)",
    "Third-class honours",
)

# Fixed namespace for every demo UUID (degree types, subjects, request ids...).
DEMO_NAMESPACE = uuid.UUID("0d3e5c1a-7b2f-4e44-9a51-5e6d0c0de000")


def demo_uuid(*parts: object) -> str:
    """A UUID that depends only on its parts (uuid5 in the demo's namespace)."""
    return str(uuid.uuid5(DEMO_NAMESPACE, "/".join(str(part) for part in parts)))


def base58_token(seed: str, length: int = 24) -> str:
    """A base58 token like Register's `Sluggable` slugs, derived from `seed`."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    characters = []
    for _ in range(length):
        number, remainder = divmod(number, 58)
        characters.append(BASE58[remainder])
    return "".join(characters)


def trainee_slug(trainee_id: int) -> str:
    return base58_token(f"trainee:{trainee_id}")


def degree_slug(trainee_id: int, index: int = 0) -> str:
    return base58_token(f"degree:{trainee_id}:{index}")


def trainee_trn(trainee_id: int) -> str:
    """Seven digits, starting with 2 (the DQT simulator hands out 3000001 and up)."""
    return f"2{trainee_id:06d}"


def other_teacher_trn(trainee_id: int) -> str:
    """A TRN for a DQT record that is not this trainee's (a look-alike teacher)."""
    return f"4{trainee_id:06d}"


def first_name(trainee_id: int) -> str:
    return FIRST_NAMES[(trainee_id * 7) % len(FIRST_NAMES)]


def middle_name(trainee_id: int) -> str | None:
    return MIDDLE_NAMES[(trainee_id * 5) % len(MIDDLE_NAMES)]


def last_name(trainee_id: int) -> str:
    return LAST_NAMES[(trainee_id * 11) % len(LAST_NAMES)]


def date_of_birth(trainee_id: int) -> date:
    """Between 1975 and 2003; the day is kept at 1..28 and never equal to the month
    so that a swapped day and month is always a different date."""
    year = 1975 + (trainee_id * 13) % 29
    month = 1 + (trainee_id * 5) % 12
    day = 1 + (trainee_id * 17) % 28
    if day == month:
        day = day % 28 + 1
    return date(year, month, day)


def swapped_day_and_month(day_of_birth: date) -> date:
    """The classic data-entry slip behind a date-of-birth mismatch."""
    if day_of_birth.day <= 12:
        return day_of_birth.replace(month=day_of_birth.day, day=day_of_birth.month)
    return day_of_birth.replace(day=day_of_birth.day - 10)


def email(first: str, last: str, trainee_id: int) -> str:
    return f"{first.lower()}.{last.lower()}.{trainee_id}@example.org"


def hesa_id(trainee_id: int) -> str:
    """A 13-digit HUSID-shaped number."""
    return f"23{trainee_id:011d}"
