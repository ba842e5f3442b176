"""The wire format against what real Sidekiq and ActiveJob wrote."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sidekiq_cases import capture, report_members, retry_all_report

from services.sidekiq import wire
from services.sidekiq.jobs import parse_member


def test_every_captured_payload_reencodes_to_the_same_bytes() -> None:
    count = 0
    for folder in (
        "captured-fresh-enqueue",
        "captured-app-options",
        "captured-app-options-after-retry",
    ):
        for name in ("retry", "dead", "schedule", "queue_dqt"):
            for entry in capture(folder, name):
                raw = entry["payload_string"]
                assert wire.dumps(json.loads(raw)) == raw
                count += 1
    assert count == 120


def test_retried_payload_is_what_sidekiqs_retry_all_wrote() -> None:
    report = retry_all_report()
    assert len(report["jobs"]) == 27
    for job in report["jobs"]:
        after = json.loads(job["raw_after"])
        pushed = wire.retried_payload(
            json.loads(job["raw_before"]), now=after["enqueued_at"], major="6"
        )
        assert wire.dumps(pushed) == job["raw_after"]
        assert list(pushed) == job["key_order_after"]


def test_retried_payload_without_retry_count_only_changes_enqueued_at() -> None:
    payload = {"class": "X", "args": [], "jid": "a" * 24, "enqueued_at": 1.5}
    pushed = wire.retried_payload(payload, now=2.25, major="6")
    assert pushed == {"class": "X", "args": [], "jid": "a" * 24, "enqueued_at": 2.25}


def test_sidekiq_8_timestamps_are_integer_milliseconds() -> None:
    moment = datetime(2024, 5, 29, 16, 26, 40, 123000, tzinfo=UTC)
    assert wire.encode_time(moment, "8") == 1717000000123
    assert wire.encode_time(moment, "7") == pytest.approx(1717000000.123)
    pushed = wire.retried_payload({"retry_count": 1}, now=1717000000.5, major="8")
    assert pushed == {"retry_count": 0, "enqueued_at": 1717000000500}


def test_b05_float_seconds_and_integer_milliseconds() -> None:
    members = report_members("B05")
    first, second = (parse_member("retry", m, 1717007300.5) for m in members)
    iso = "%Y-%m-%dT%H:%M:%S.%f"
    assert first.created_at is not None
    assert first.created_at.strftime(iso)[:-3] == "2024-05-29T16:26:40.123"
    assert first.enqueued_at.strftime(iso)[:-3] == "2024-05-29T16:26:40.456"
    assert first.failed_at.strftime(iso)[:-3] == "2024-05-29T16:28:20.789"
    assert first.retried_at.strftime(iso)[:-3] == "2024-05-29T17:28:20.000"
    assert first.score_time.strftime(iso)[:-3] == "2024-05-29T18:28:20.500"
    assert second.created_at.strftime(iso)[:-3] == "2024-05-29T13:39:59.250"
    assert second.failed_at.strftime(iso)[:-3] == "2024-05-29T13:40:00.500"
    assert second.retried_at.strftime(iso)[:-3] == "2024-05-29T17:28:20.000"
    assert second.enqueued_at.strftime(iso)[:-3] == "2024-05-29T17:28:10.000"
    # Sorting by failure time works across the two units.
    assert sorted([first, second], key=lambda job: job.failed_at) == [second, first]


@pytest.mark.parametrize("value", [True, None, "1717000000", 10**30, -(10**30)])
def test_decode_time_never_raises(value: object) -> None:
    assert wire.decode_time(value) is None


@pytest.mark.parametrize("line_breaks", [True, False])
def test_backtrace_with_and_without_line_breaks(line_breaks: bool) -> None:
    lines = [f"app/jobs/dqt/update_trainee_job.rb:{n}:in `perform'" for n in range(40)]
    encoded = wire.encode_backtrace(lines, line_breaks=line_breaks)
    assert ("\n" in encoded) is line_breaks
    if line_breaks:
        assert all(len(part) <= 60 for part in encoded.splitlines())
    assert wire.decode_backtrace(encoded) == lines


def test_backtrace_legacy_array_and_garbage() -> None:
    assert wire.decode_backtrace(["a.rb:1"]) == ["a.rb:1"]
    assert wire.decode_backtrace("not base64 at all!") is None
    assert wire.decode_backtrace("aGVsbG8=") is None  # base64, not zlib
    assert wire.decode_backtrace(None) is None


def test_activejob_arguments_decoded() -> None:
    date_serializer = "ActiveJob::Serializers::DateSerializer"
    symbol_serializer = "ActiveJob::Serializers::SymbolSerializer"
    arguments = [
        {"_aj_globalid": "gid://register-trainee-teachers/Dqt::TrnRequest/50040"},
        {"_aj_serialized": date_serializer, "value": "2026-12-04"},
        {"_aj_serialized": symbol_serializer, "value": "award"},
        {"force": True, "_aj_ruby2_keywords": ["force"]},
        {"reason": "x", "_aj_symbol_keys": ["reason"]},
        {"_aj_serialized": "ActiveJob::Serializers::DurationSerializer", "value": 60},
        {"_aj_serialized": date_serializer, "value": "nope"},
    ]
    decoded = [wire.decode_argument(value) for value in arguments]
    assert decoded[0] == wire.GlobalIdRef("Dqt::TrnRequest", "50040")
    assert decoded[1] == date(2026, 12, 4)
    assert decoded[2] == wire.Symbol("award")
    assert decoded[3] == wire.Keywords({"force": True})
    assert decoded[4] == {"reason": "x"}
    assert decoded[5] == wire.SerializedValue(
        "ActiveJob::Serializers::DurationSerializer", 60
    )
    assert isinstance(decoded[6], wire.SerializedValue)


def test_new_activejob_job_matches_the_adapters_layout() -> None:
    # A job captured right after `perform_later`; created_at and enqueued_at are
    # two clock readings in Ruby, so they are copied over before comparing.
    captured = next(
        entry["payload_string"]
        for entry in capture("captured-fresh-enqueue", "queue_dqt")
        if '"wrapped":"Dqt::RegisterForTrnJob"' in entry["payload_string"]
    )
    original = json.loads(captured)
    activejob = original["args"][0]
    built = wire.new_activejob_job(
        "Dqt::RegisterForTrnJob",
        activejob["arguments"],
        now=datetime.fromisoformat(activejob["enqueued_at"].replace("Z", "+00:00")),
        retry=original["retry"],
        jid=original["jid"],
        job_id=activejob["job_id"],
    )
    built["created_at"] = original["created_at"]
    built["enqueued_at"] = original["enqueued_at"]
    assert wire.dumps(built) == captured


def test_scan_unreadable_finds_jid_and_class() -> None:
    member = report_members("B03")[0]
    jid, job_class, wrapper = wire.scan_unreadable(member)
    assert jid == "0b03c0ffee0b03c0ffee0b03"
    assert job_class == "Dqt::RecommendForAwardJob"
    assert wrapper == wire.RAILS_WRAPPER
