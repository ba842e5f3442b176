"""Detail panes as a label column and a value column."""

from __future__ import annotations

from rich.console import Console

from tui.views.text import label_grid


def test_a_long_value_wraps_inside_its_own_column() -> None:
    console = Console(width=40, record=True)
    console.print(
        label_grid(
            [
                ("Error", "ActiveJob::DeserializationError while trying to read"),
                ("jid", "0123456789abcdef0123456789abcdef0123456789"),
            ]
        )
    )
    lines = console.export_text().splitlines()

    # Labels right-aligned on the widest label; every continuation line starts
    # under the value column, never back at column 0.
    assert lines[0].startswith("Error ActiveJob::DeserializationError")
    assert lines[1].startswith("      ") and lines[1].strip()
    jid_line = next(i for i, line in enumerate(lines) if line.startswith("  jid "))
    assert lines[jid_line + 1].startswith("      ")
    joined = "".join(line[6:].strip() for line in lines[jid_line:])
    assert joined == "0123456789abcdef0123456789abcdef0123456789"
