"""The wording the screens show, checked without a terminal."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.sidekiq.jobs import parse_member
from tui.views import failed_jobs as view
from tui.views.text import one_line, short_class

NOW = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)


def _dead_job(error_message: str, *, jid: str = "a1b2c3") -> bytes:
    payload = {
        "class": "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper",
        "wrapped": "Dqt::UpdateTraineeJob",
        "queue": "dqt",
        "args": [
            {
                "job_class": "Dqt::UpdateTraineeJob",
                "job_id": "j-1",
                "arguments": [{"_aj_globalid": "gid://register/Trainee/7"}],
            }
        ],
        "jid": jid,
        "retry": 0,
        "created_at": 1741600000.0,
        "enqueued_at": 1741600000.0,
        "failed_at": 1741600000.0,
        "error_class": "Dqt::Client::HttpError",
        "error_message": error_message,
    }
    return json.dumps(payload).encode()


def test_a_10000_character_multi_line_error_is_one_line_in_the_list() -> None:
    page = "<html>\n<body>\n" + ("Ünïcode line of an error page\n" * 400) + "</body>"
    message = f"status: 500, body: {page}"[:10_000]
    job = parse_member("dead", _dead_job(message), 1741600000.0)
    label = view.TraineeLabel(7, "Ada Example", slug="abc", trn="1234567")

    data = view.build([job], [label], now=NOW, read_at=NOW)

    [row] = data.rows
    summary = one_line(row.classification.error_summary, 120)
    assert "\n" not in summary and len(summary) <= 120
    assert row.error_short == "500 server error"
    assert row.classification.key == "dqt_500"
    detail = dict(view.detail_lines(row, now=NOW, notes=[]))
    assert "\n" not in detail["Error"] and len(detail["Error"]) <= 400


def test_counts_per_case_and_filters() -> None:
    jobs = [
        parse_member(
            "dead",
            _dead_job(
                'status: 404, body: {"title":"Teacher with specified TRN not found",'
                '"status":404,"errorCode":10001}, headers: {}',
                jid=f"j{n}",
            ),
            1.0,
        )
        for n in range(3)
    ]
    jobs.append(parse_member("dead", b"{not json", 2.0))
    labels = [view.TraineeLabel(7, "Ada Example")] * 3 + [
        view.TraineeLabel(None, "(no record argument)")
    ]

    data = view.build(jobs, labels, now=NOW, read_at=NOW)

    counts = {case.key: case.count for case in data.cases}
    assert counts == {"all": 4, "teacher_not_found_10001": 3, "unreadable": 1}
    assert [row.entries for row in data.rows] == [3, 3, 3, 1]
    assert data.rows[0].error_short == "404 TRN not found"
    assert data.rows[3].error_short == "unreadable"
    only = view.filter_rows(
        data.rows,
        case="teacher_not_found_10001",
        job_class=view.ALL_CLASSES,
        text="ada j1",
    )
    assert [row.job.jid for row in only] == ["j1"]


def test_short_words() -> None:
    assert short_class("Dqt::RecommendForAwardJob") == "RecommendForAward"
    assert short_class(None) == "(unknown)"
    assert one_line("a\n  b\tc", 10) == "a b c"
    assert one_line("x" * 20, 10) == "x" * 9 + "…"


def test_a_ukprn_search_reads_as_a_ukprn_search() -> None:
    from tui.views.search import SearchResult, SearchRow

    row = SearchRow(
        trainee_id=1,
        name="Delia Mae Birthwell",
        trn="2000001",
        state="TRN received",
        slug="QknyWUjG8o966y4s3rmAGRQa",
        born="18/06/1988",
        provider="University of Northmoor",
        matched_by="provider",
    )
    found = SearchResult([row, row], "provider UKPRN 19910001", truncated=False)
    assert found.status == "2 trainees, provider UKPRN 19910001"

    by_words = SearchResult(
        [row], "last name starting “North”", False, ("University of Northmoor",)
    )
    assert by_words.status == (
        "1 trainee: 1 at University of Northmoor (provider name matched, in bold)"
    )
