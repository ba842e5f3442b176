"""The product's journal: one JSON line per attempted change, never rewritten.

Every fix and every job action appends an entry here, whether it was applied,
refused or failed, so an operator can later answer "who did what to which
trainee, and what is left to do". The file is `<data_dir>/journal.jsonl`.

Writing: the file is opened with O_APPEND, an exclusive `fcntl` lock is held for
the write, the whole line goes out in one `write` call and is flushed to disk
with `fsync`. Two processes (two operators on one host, or the TUI and a
headless command) therefore never interleave half lines.

Reading tolerates a torn last line (a crash in the middle of a write, or a full
disk): such a line is skipped and logged, never raised.

Personal data: a journal is for operators and is kept far longer than the data
it describes, so it holds NO date of birth and NO National Insurance number.
Any value under a key that names one (`date_of_birth`, `birthDate`,
`nationalInsuranceNumber` ...) is replaced by "(not recorded)"; a change of such
a field keeps its name but neither value, so the entry still says
"date_of_birth changed". Free text (summary, comment) is scrubbed of NI numbers,
and of dates when the text speaks of a birth date.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast, get_args

log = logging.getLogger(__name__)

JOURNAL_FILE_NAME = "journal.jsonl"

# Block size for reading the newest entries backwards.
_READ_BLOCK = 64 * 1024

Outcome = Literal["previewed", "applied", "refused", "failed", "partial"]
OUTCOMES: frozenset[str] = frozenset(get_args(Outcome))

NOT_RECORDED = "(not recorded)"

# Keys whose values never reach the journal (compared without case, `_` or `-`).
_SENSITIVE_KEYS = frozenset(
    {
        "dateofbirth",
        "birthdate",
        "dob",
        "nationalinsurancenumber",
        "ninumber",
        "nino",
    }
)

# Keys under which a change record names the field it changed.
_FIELD_NAME_KEYS = ("column", "field", "name")

# Keys under which a change record holds the values of that field.
_VALUE_KEYS = (
    "old",
    "new",
    "value",
    "old_value",
    "new_value",
    "old_label",
    "new_label",
    "register",
    "dqt",
    "before",
    "after",
    "raw_old",
    "raw_new",
)

# Wider than HMRC's allocation rules on purpose: example numbers such as
# "QQ 12 34 56 C" must be caught too.
_NI_NUMBER = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
_DATE = re.compile(
    r"\b(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4})\b"
)
_MENTIONS_BIRTH = re.compile(r"birth|\bdob\b", re.IGNORECASE)


def _normalise_key(key: object) -> str:
    return str(key).lower().replace("_", "").replace("-", "").replace(" ", "")


def is_sensitive_key(key: object) -> bool:
    """True for a field name that holds a date of birth or an NI number."""
    return _normalise_key(key) in _SENSITIVE_KEYS


def scrub_text(text: str) -> str:
    """Free text without NI numbers, and without dates when it speaks of birth."""
    text = _NI_NUMBER.sub(NOT_RECORDED, text)
    if _MENTIONS_BIRTH.search(text):
        text = _DATE.sub(NOT_RECORDED, text)
    return text


def redact(value: Any) -> Any:
    """A copy of `value` with dates of birth and NI numbers taken out.

    Dicts: a sensitive key keeps its name and loses its value; a change record
    naming a sensitive field (`{"column": "date_of_birth", "old": .., "new": ..}`)
    loses its values. Lists are redacted item by item, strings are scrubbed.
    """
    if isinstance(value, Mapping):
        names_sensitive_field = any(
            is_sensitive_key(value.get(key))
            for key in _FIELD_NAME_KEYS
            if isinstance(value.get(key), str)
        )
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            if is_sensitive_key(key) or (names_sensitive_field and key in _VALUE_KEYS):
                cleaned[str(key)] = NOT_RECORDED
            else:
                cleaned[str(key)] = redact(item)
        return cleaned
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _now_utc() -> datetime:
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with milliseconds and `Z` (naive times are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class JournalEntry:
    """One attempt to change something, as the journal keeps it.

    `target` names what was acted on (trainee_id, slug, jids ...); `detail`
    holds the changes and, for a partial outcome, what is left to do.
    """

    operator: str
    action: str
    outcome: Outcome
    summary: str
    target: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None
    request_uuid: str | None = None
    at: datetime = field(default_factory=_now_utc)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(
                f"journal outcome must be one of {sorted(OUTCOMES)}, "
                f"not {self.outcome!r}"
            )

    def to_json(self) -> dict[str, Any]:
        """The entry as written: redacted, one-line summary, timestamp as text."""
        data = asdict(self)
        data["at"] = format_timestamp(self.at)
        data["summary"] = " ".join(scrub_text(self.summary).split())
        data["comment"] = None if self.comment is None else scrub_text(self.comment)
        data["target"] = redact(self.target)
        data["detail"] = redact(self.detail)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JournalEntry:
        """An entry read back from a line; raises ValueError/KeyError if malformed."""
        outcome = data["outcome"]
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        return cls(
            operator=str(data["operator"]),
            action=str(data["action"]),
            outcome=cast(Outcome, outcome),
            summary=str(data.get("summary", "")),
            target=dict(data.get("target") or {}),
            detail=dict(data.get("detail") or {}),
            comment=data.get("comment"),
            request_uuid=data.get("request_uuid"),
            at=parse_timestamp(str(data["at"])),
        )


class Journal:
    """The append-only journal file at `path`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> Journal:
        return cls(Path(data_dir) / JOURNAL_FILE_NAME)

    def append(self, entry: JournalEntry | Mapping[str, Any]) -> JournalEntry:
        """Write one entry as one line, durably; returns the entry written.

        A mapping is accepted for callers that build entries as dicts; it must
        carry the same fields as `JournalEntry` (`at` is optional).
        """
        if not isinstance(entry, JournalEntry):
            entry = _entry_from_mapping(entry)
        line = json.dumps(entry.to_json(), ensure_ascii=False, default=str) + "\n"
        data = line.encode("utf-8")

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                # A line torn by an earlier crash must not swallow this entry:
                # start on a fresh line if the file does not end with one.
                if not _ends_with_newline(fd):
                    data = b"\n" + data
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

        log.info(
            "journal: %s %s by %s (trainee %s)",
            entry.action,
            entry.outcome,
            entry.operator,
            entry.target.get("trainee_id", "-"),
        )
        return entry

    def read(
        self, limit: int | None = None, newest_first: bool = True
    ) -> list[JournalEntry]:
        """The entries in the file; unreadable lines are skipped and logged.

        The newest `limit` entries are read from the end of the file, so a
        journal kept for years opens as fast as a new one.
        """
        if limit is not None and limit <= 0:
            return []
        if newest_first and limit is not None:
            return self._read_newest(limit)

        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = raw.split(b"\n")
        entries = [
            entry
            for number, line in enumerate(lines, start=1)
            if (entry := self._parse(line, number == len(lines))) is not None
        ]
        if newest_first:
            entries.reverse()
        return entries if limit is None else entries[:limit]

    def _read_newest(self, limit: int) -> list[JournalEntry]:
        """Up to `limit` entries, newest first, reading backwards in blocks."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return []
        with handle:
            position = handle.seek(0, os.SEEK_END)
            entries: list[JournalEntry] = []
            # Bytes of a line whose start has not been read yet.
            partial = b""
            last_line = True
            while position > 0 and len(entries) < limit:
                size = min(_READ_BLOCK, position)
                position -= size
                handle.seek(position)
                lines = (handle.read(size) + partial).split(b"\n")
                # The first piece may be cut; keep it for the next block.
                partial = lines.pop(0) if position > 0 else b""
                for line in reversed(lines):
                    entry = self._parse(line, last_line)
                    last_line = False
                    if entry is not None:
                        entries.append(entry)
                        if len(entries) == limit:
                            break
        return entries

    def _parse(self, line: bytes, is_last: bool) -> JournalEntry | None:
        if not line.strip():
            return None
        try:
            return JournalEntry.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError) as error:
            log.warning(
                "journal: skipped %s line of %s (%s)",
                "a torn last" if is_last else "an unreadable",
                self.path,
                type(error).__name__,
            )
            return None


def _entry_from_mapping(data: Mapping[str, Any]) -> JournalEntry:
    values = dict(data)
    at = values.pop("at", None)
    if isinstance(at, str):
        values["at"] = parse_timestamp(at)
    elif isinstance(at, datetime):
        values["at"] = at
    known = set(JournalEntry.__dataclass_fields__)
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown journal fields: {sorted(unknown)}")
    return JournalEntry(**values)


def _ends_with_newline(fd: int) -> bool:
    size = os.fstat(fd).st_size
    if size == 0:
        return True
    return os.pread(fd, 1, size - 1) == b"\n"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
