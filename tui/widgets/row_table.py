"""The app's lists: a DataTable whose rows are what the operator moves through."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class RowTable(DataTable):
    """Home and end go to the first and last row, as in any list; DataTable's
    own home and end scroll sideways, which a row cursor never needs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "home",
            "scroll_top",
            "First row",
            id="list.first_row",
            show=False,
            tooltip="Go to the first row of the list",
        ),
        Binding(
            "end",
            "scroll_bottom",
            "Last row",
            id="list.last_row",
            show=False,
            tooltip="Go to the last row of the list",
        ),
    ]
