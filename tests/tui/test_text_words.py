"""How times are worded for people: by calendar day in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.views.text import ago

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_two_calendar_days_back_is_not_yesterday() -> None:
    # 40 hours ago, but on the 2nd: two calendar days.
    assert ago(datetime(2026, 12, 2, 17, 0, tzinfo=UTC), NOW) == "2 days ago"


def test_yesterday_today_and_unknown() -> None:
    assert ago(datetime(2026, 12, 3, 23, 59, tzinfo=UTC), NOW) == "yesterday"
    assert ago(datetime(2026, 12, 4, 0, 1, tzinfo=UTC), NOW) == "today"
    assert ago(None, NOW) == "at an unknown time"
