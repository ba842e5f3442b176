"""The DfE degree-institutions reference list, read from a configured JSON file.

The shape is dfe-reference-data's export: `{"institutions": [{"id", "name",
"ukprn", "hesa_itt_code", "closed", ...}]}` (a bare list of the same records is
accepted too). `id` is what Register stores in `degrees.institution_uuid`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


class InstitutionsUnavailable(Exception):
    """The list is not configured or cannot be read; the message says which."""


@dataclass(frozen=True)
class Institution:
    id: str
    name: str
    ukprn: str | None
    hesa_itt_code: str | None
    closed: str | None
    generic: bool


def load_institutions(path: Path | None) -> dict[str, Institution]:
    """Institutions by lower-case id; InstitutionsUnavailable when unusable."""
    if path is None:
        raise InstitutionsUnavailable(
            "no degree-institutions list is configured (TRIAGE_INSTITUTIONS_FILE)"
        )
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstitutionsUnavailable(
            f"the institutions list {path} does not exist"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InstitutionsUnavailable(
            f"the institutions list {path} cannot be read: {error}"
        ) from None

    records = data.get("institutions") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InstitutionsUnavailable(
            f'the institutions list {path} has no "institutions" array'
        )

    found: dict[str, Institution] = {}
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            continue
        ukprn = record.get("ukprn")
        found[record["id"].lower()] = Institution(
            id=record["id"],
            name=str(record.get("name") or "(no name)"),
            ukprn=str(ukprn) if ukprn else None,
            hesa_itt_code=record.get("hesa_itt_code"),
            closed=None if record.get("closed") is None else str(record["closed"]),
            generic=bool(record.get("generic")),
        )
    log.info("institutions list %s: %d institutions", path, len(found))
    return found
