"""Logging to a file in the data folder, never to the terminal while the TUI runs.

Log lines name what happened, which trainee or job, the outcome and the duration.
`redact` is applied to every record so that an API key, a date of birth or an NI
number that slips into a message is masked before it is written.
"""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FILE_NAME = "triage.log"

_SECRET_PATTERNS = (
    # Bearer tokens and api keys in headers or URLs.
    (re.compile(r"(?i)(bearer\s+)[^\s,'\"]+"), r"\1***"),
    (re.compile(r"(?i)(api[_-]?key[=:]\s*)[^\s,&'\"]+"), r"\1***"),
    # Dates of birth in query strings and JSON bodies.
    (
        re.compile(
            r"(?i)((?:birth_?date|date_?of_?birth|dob)[\"']?\s*[=:]\s*[\"']?)"
            r"\d{4}-\d{2}-\d{2}"
        ),
        r"\1****-**-**",
    ),
    # National Insurance numbers (two letters, six digits, one letter).
    (
        re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"),
        "*********",
    ),
    # Passwords in connection URLs.
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1***@"),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def configure_logging(data_dir: Path, level: int = logging.INFO) -> Path:
    """Send the product's log lines to `<data_dir>/triage.log`; returns the path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOG_FILE_NAME
    root = logging.getLogger()
    if any(getattr(h, "_triage", False) for h in root.handlers):
        return path
    handler = RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3)
    handler._triage = True  # type: ignore[attr-defined]
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request with its full URL (dates of birth in query strings);
    # our own client logs a redacted line per call instead.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return path
