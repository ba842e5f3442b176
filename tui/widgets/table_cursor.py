"""Keep a list's highlighted row on the same item when the list is read again."""

from __future__ import annotations

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist


def highlighted_key(table: DataTable) -> str | None:
    """The key of the highlighted row, or None when the table is empty."""
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except CellDoesNotExist:
        return None


def highlight_key(table: DataTable, key: str | None) -> bool:
    """Move the cursor to the row with `key` if the table still has it; else the
    cursor stays where the refill left it (the first row)."""
    if key is None or key not in table.rows:
        return False
    table.move_cursor(row=table.get_row_index(key), animate=False)
    return True
