"""What the About screen shows, gathered without Textual so it can be tested alone.

Versions of the product and the libraries that talk to the services, where each
setting came from (environment, `.env` or default), which services are in use with
their passwords and keys masked, and whether writes are enabled.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from triage.runtime import Connections

LIBRARIES = ("textual", "SQLAlchemy", "psycopg", "redis", "httpx", "pydantic")

# Settings shown with their source; the API key's value is never shown.
SETTINGS = (
    "database_url",
    "redis_url",
    "dqt_api_url",
    "dqt_api_key",
    "triage_operator",
    "triage_allow_writes",
    "triage_data_dir",
    "triage_sidekiq_version",
    "triage_institutions_file",
    "triage_pending_trn_days",
    "triage_pending_award_days",
)


@dataclass(frozen=True)
class AboutFacts:
    versions: list[tuple[str, str]]
    services: list[tuple[str, str]]
    settings: list[tuple[str, str, str]]  # name, shown value, source
    writes: str


def mask_url(url: str | None) -> str:
    """The URL without its password (user names and hosts help; passwords do not)."""
    if not url:
        return "not set"
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def gather(connections: Connections) -> AboutFacts:
    settings = connections.settings
    versions = [
        ("register-triage", _version("register-triage")),
        ("Python", platform.python_version()),
    ]
    versions += [(name, _version(name)) for name in LIBRARIES]

    where = "sandbox (embedded, demo data)" if connections.sandbox else "configured"
    services = [
        ("services", where),
        ("PostgreSQL", mask_url(connections.database_url)),
        ("Redis", mask_url(connections.redis_url)),
        ("DQT API", mask_url(connections.dqt_api_url)),
        ("DQT API key", "set (hidden)" if connections.dqt_api_key else "not set"),
        ("operator", settings.operator),
        ("data folder", str(settings.triage_data_dir)),
    ]

    shown = []
    for name in SETTINGS:
        value = getattr(settings, name, None)
        if name == "dqt_api_key":
            text = "set (hidden)" if value else "not set"
        elif name.endswith("_url"):
            text = mask_url(value)
        else:
            text = "not set" if value is None else str(value)
        shown.append((name.upper(), text, settings.source_of(name)))

    if settings.writes_enabled:
        writes = "writes enabled: fixes change data (after a confirmation)"
    else:
        writes = "read-only: fixes can be previewed, not applied"
    return AboutFacts(versions, services, shown, writes)
