"""Long technical text (a raw error, a raw payload) in a scrollable modal.

`c` copies the whole text to the clipboard with OSC 52, which works over SSH in
most terminals but does nothing in tmux unless its `set-clipboard` is on. The
terminal cannot tell us whether it arrived, so after copying the text is also
shown plain, without borders, in a read-only text area where it can be
selected by hand (or with shift+arrows).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

COPIED_MESSAGE = (
    "Sent {count:,} characters to the clipboard via OSC 52 (tmux needs "
    "set-clipboard on). If nothing arrived, select the text below by hand "
    "(shift+drag in most terminals). Escape closes."
)


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
        self.app.push_screen(CopiedModal(self.body))


class CopiedModal(ModalScreen[None]):
    """The copied text, plain and selectable, with what was done to copy it."""

    BINDINGS = [
        Binding(
            "escape",
            "dismiss",
            "Close",
            id="copied.close",
            tooltip="Back to the text you copied",
        ),
    ]

    def __init__(self, body: str) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="copied-dialog"):
            yield Static(
                COPIED_MESSAGE.format(count=len(self.body)),
                id="copied-message",
                markup=False,
            )
            # Wrapped, not cut at the screen's edge: text selected by hand must
            # be all there (a long line gains breaks, which loses nothing).
            yield TextArea(
                self.body,
                id="copied-text",
                read_only=True,
                soft_wrap=True,
                show_cursor=False,
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#copied-text", TextArea).focus()
