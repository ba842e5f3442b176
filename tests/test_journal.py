"""The journal: append-only JSON lines, safe across processes, no personal data."""

from __future__ import annotations

import json
import multiprocessing
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services import journal as journal_module
from services.journal import NOT_RECORDED, Journal, JournalEntry


def _entry(number: int = 1, **overrides: object) -> JournalEntry:
    values: dict[str, object] = {
        "operator": "Ada Lovelace",
        "action": "unwithdraw",
        "outcome": "applied",
        "summary": f"state withdrawn -> TRN received (attempt {number})",
        "target": {"trainee_id": 1010, "slug": "abc123"},
        "detail": {"changes": [{"column": "state", "old": 4, "new": 2}]},
        "comment": "Ticket 4711: withdrawn in error",
        "request_uuid": "6b0f6c1e-0000-4000-8000-000000000001",
        "at": datetime(2026, 12, 4, 15, 30, 0, 123000, tzinfo=UTC),
    }
    values.update(overrides)
    return JournalEntry(**values)  # type: ignore[arg-type]


def test_append_writes_one_json_line_with_every_field(tmp_path: Path) -> None:
    journal = Journal.in_data_dir(tmp_path / "data")

    journal.append(_entry())

    lines = journal.path.read_text(encoding="utf-8").splitlines()
    assert journal.path.name == "journal.jsonl"
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "operator": "Ada Lovelace",
        "action": "unwithdraw",
        "outcome": "applied",
        "summary": "state withdrawn -> TRN received (attempt 1)",
        "target": {"trainee_id": 1010, "slug": "abc123"},
        "detail": {"changes": [{"column": "state", "old": 4, "new": 2}]},
        "comment": "Ticket 4711: withdrawn in error",
        "request_uuid": "6b0f6c1e-0000-4000-8000-000000000001",
        "at": "2026-12-04T15:30:00.123Z",
    }


def test_journal_file_is_private_to_the_operator(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(_entry())
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600


def test_read_returns_newest_first_and_honours_limit(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    for number in range(1, 6):
        journal.append(_entry(number, summary=f"entry {number}"))

    newest = journal.read(limit=2)
    oldest_first = journal.read(newest_first=False)

    assert [e.summary for e in newest] == ["entry 5", "entry 4"]
    assert [e.summary for e in oldest_first] == [f"entry {n}" for n in range(1, 6)]
    assert oldest_first[0] == _entry(1, summary="entry 1")


def test_read_of_a_missing_journal_is_empty(tmp_path: Path) -> None:
    assert Journal(tmp_path / "nothing.jsonl").read() == []


def test_torn_last_line_is_skipped_and_the_next_entry_starts_a_fresh_line(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(_entry(1, summary="first"))
    with journal.path.open("ab") as handle:
        handle.write(b'{"operator": "Ada", "action": "retr')

    assert [e.summary for e in journal.read()] == ["first"]

    journal.append(_entry(2, summary="second"))
    summaries = [e.summary for e in journal.read(newest_first=False)]
    assert summaries == ["first", "second"]


def test_a_garbage_line_in_the_middle_does_not_hide_the_others(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(_entry(1, summary="first"))
    with journal.path.open("ab") as handle:
        handle.write(b'not json\n{"outcome": "exploded"}\n')
    journal.append(_entry(2, summary="second"))

    assert [e.summary for e in journal.read()] == ["second", "first"]


def test_date_of_birth_values_never_reach_the_file(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(
        _entry(
            action="edit_field",
            summary="date of birth 1990-05-02 -> 1990-02-05",
            target={"trainee_id": 7, "date_of_birth": "1990-05-02"},
            detail={
                "changes": [
                    {
                        "column": "date_of_birth",
                        "old": "1990-05-02",
                        "new": "1990-02-05",
                    },
                    {"column": "last_name", "old": "Smith", "new": "Smyth"},
                ],
                "audited_changes": {"date_of_birth": ["1990-05-02", "1990-02-05"]},
                "dqt": {
                    "birthDate": "1990-02-05",
                    "nationalInsuranceNumber": "QQ123456C",
                },
            },
            comment="DOB was 02/05/1990 per the provider; NI QQ 12 34 56 C",
        )
    )

    text = journal.path.read_text(encoding="utf-8")
    for secret in ("1990-05-02", "1990-02-05", "02/05/1990", "QQ123456C", "QQ 12 34"):
        assert secret not in text
    entry = journal.read()[0]
    assert entry.detail["changes"][0] == {
        "column": "date_of_birth",
        "old": NOT_RECORDED,
        "new": NOT_RECORDED,
    }
    assert entry.detail["changes"][1] == {
        "column": "last_name",
        "old": "Smith",
        "new": "Smyth",
    }
    assert entry.detail["audited_changes"] == {"date_of_birth": NOT_RECORDED}
    assert entry.target == {"trainee_id": 7, "date_of_birth": NOT_RECORDED}
    assert entry.summary == f"date of birth {NOT_RECORDED} -> {NOT_RECORDED}"


def test_dates_unrelated_to_birth_are_kept(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(_entry(summary="RetrieveTrnJob timeout 2026-12-08"))
    assert journal.read()[0].summary == "RetrieveTrnJob timeout 2026-12-08"


def test_summary_is_kept_on_one_line(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(_entry(summary="retried\n  3 jobs\tfor trainee 5"))
    assert journal.read()[0].summary == "retried 3 jobs for trainee 5"


def test_append_accepts_a_mapping(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    written = journal.append(
        {
            "operator": "Grace Hopper",
            "action": "delete_job",
            "outcome": "refused",
            "summary": "writes are disabled",
            "target": {"jids": ["a1b2"]},
        }
    )
    entry = journal.read()[0]
    assert entry.action == "delete_job"
    assert entry.target == {"jids": ["a1b2"]}
    assert entry.at.tzinfo is not None
    assert written.operator == "Grace Hopper"


def test_unknown_outcome_or_field_is_refused(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    with pytest.raises(ValueError, match="outcome"):
        _entry(outcome="done")
    with pytest.raises(ValueError, match="unknown journal fields"):
        journal.append(
            {
                "operator": "x",
                "action": "y",
                "outcome": "applied",
                "summary": "z",
                "colour": "red",
            }
        )
    assert not journal.path.exists()


def _append_many(path: str, writer: int, count: int) -> None:
    journal = Journal(path)
    # Long lines make an interleaving of two writers visible as broken JSON.
    padding = "x" * 5000
    for number in range(count):
        journal.append(
            _entry(
                number,
                operator=f"writer {writer}",
                summary=f"{writer}:{number}",
                detail={"padding": padding},
            )
        )


def test_concurrent_processes_never_interleave_lines(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.jsonl")
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_append_many, args=(path, writer, 50))
        for writer in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    raw_lines = Path(path).read_text(encoding="utf-8").splitlines()
    entries = Journal(path).read(newest_first=False)

    assert len(raw_lines) == 200
    assert len(entries) == 200
    assert {e.summary for e in entries} == {
        f"{w}:{n}" for w in range(4) for n in range(50)
    }
    for writer in range(4):
        own = [e.summary for e in entries if e.operator == f"writer {writer}"]
        assert own == [f"{writer}:{n}" for n in range(50)]


@pytest.mark.parametrize("block", [7, 100, 333, 64 * 1024])
def test_newest_entries_are_read_backwards_across_block_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(journal_module, "_READ_BLOCK", block)
    journal = Journal(tmp_path / "journal.jsonl")
    for number in range(1, 31):
        journal.append(_entry(number, summary=f"entry {number} " + "é" * number))
        if number == 10:
            with journal.path.open("ab") as handle:
                handle.write(b"not json at all\n")
    with journal.path.open("ab") as handle:
        handle.write(b'{"operator": "torn')

    everything = journal.read(newest_first=False)
    assert [e.summary.split()[1] for e in everything] == [str(n) for n in range(1, 31)]
    for limit in (1, 2, 5, 20, 29, 30, 31, 100):
        newest = journal.read(limit=limit)
        assert newest == list(reversed(everything))[:limit]
    assert journal.read(limit=0) == []
