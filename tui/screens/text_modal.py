"""Long technical text (a raw error, a raw payload) in a scrollable modal.

`c` copies the whole text to the clipboard with OSC 52, which works over SSH in
most terminals; the toast says so either way.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class TextModal(ModalScreen[None]):
    BINDINGS = [
        Binding(
            "escape,q",
            "dismiss",
            "Close",
            id="text.close",
            tooltip="Back to the screen you came from",
        ),
        Binding(
            "c",
            "copy",
            "Copy",
            id="text.copy",
            tooltip="Copy the whole text to the clipboard (OSC 52, works over SSH)",
        ),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="text-dialog"):
            yield Static(self.title_text, id="text-title", markup=False)
            with VerticalScroll(id="text-scroll"):
                yield Static(self.body, id="text-body", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#text-scroll").focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.body)
        self.notify(f"Copied {len(self.body):,} characters", title="Clipboard")
