"""Shown while a fix's preview is being prepared: the preview reads Register
and may ask DQT, which can take seconds when DQT is slow or unreachable.
Escape stops waiting; the preview is then not shown when it arrives."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

# Answered by `PreparingScreen`: the operator stopped waiting.
STOPPED = True


class PreparingScreen(ModalScreen[bool]):
    """Dismissed with `STOPPED` on escape, with False once the preview is there."""

    DEFAULT_CSS = """
    PreparingScreen { align: center middle; }
    #preparing-dialog {
        width: 60; max-width: 90%; height: auto;
        border: round $primary; padding: 1 2; background: $surface;
    }
    """

    BINDINGS = [
        Binding(
            "escape",
            "stop",
            "Stop waiting",
            id="preparing.stop",
            tooltip="Stop waiting for the preview; nothing is changed",
        ),
    ]

    def __init__(self, title: str, *, asks_dqt: bool) -> None:
        super().__init__()
        self.title_text = title
        self.asks_dqt = asks_dqt
        # Set by escape: what arrives afterwards is dropped.
        self.stopped = False

    def compose(self) -> ComposeResult:
        what = (
            "reading Register and asking DQT" if self.asks_dqt else "reading Register"
        )
        with Vertical(id="preparing-dialog"):
            yield Static(
                f"{self.title_text}\n\nPreparing the preview: {what}…\n"
                "Nothing is changed until you confirm. Escape stops waiting.",
                id="preparing-text",
                markup=False,
            )
        yield Footer(compact=True)

    def action_stop(self) -> None:
        self.stopped = True
        self.dismiss(STOPPED)

    def done(self) -> None:
        """The preview arrived or failed: closed, if still shown."""
        if self.is_current:
            self.dismiss(False)
