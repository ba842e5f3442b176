"""Small wording helpers shared by the views."""

from __future__ import annotations

from datetime import UTC, date, datetime

from rich.table import Table
from rich.text import Text


def one_line(text: str | None, limit: int = 160) -> str:
    """Any text as one line: newlines collapsed, cut with an ellipsis at `limit`."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def short_class(job_class: str | None) -> str:
    """`Dqt::UpdateTraineeJob` → `UpdateTrainee`: the part that differs."""
    if not job_class:
        return "(unknown)"
    name = job_class.rsplit("::", 1)[-1]
    return name[:-3] if name.endswith("Job") and len(name) > 3 else name


def days_ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "?"
    days = (now - moment).days
    return "today" if days <= 0 else f"{days}d"


def ago(moment: datetime | None, now: datetime) -> str:
    """ "today", "yesterday" or "12 days ago"."""
    if moment is None:
        return "at an unknown time"
    # Calendar days in UTC: 23:00 two days ago is "2 days ago", not "yesterday".
    days = (now.astimezone(UTC).date() - moment.astimezone(UTC).date()).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def day_text(value: date | datetime | None) -> str:
    if value is None:
        return "not set"
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat()


def label_grid(lines: list[tuple[str, str]]) -> Table:
    """(label, value) pairs as two columns: bold labels on the left, each value in
    its own column so a long value wraps under itself, not under the labels."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold", no_wrap=True)
    # Long unbroken words (jids, class names) fold inside the column too.
    grid.add_column(overflow="fold", ratio=1)
    for label, value in lines:
        grid.add_row(label, Text(value))
    return grid
