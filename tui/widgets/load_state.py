"""What a pane shows while its data load, and when a service did not answer.

A `LoadState` sits above (or instead of) a pane's content: a loading line with a
spinner while a worker runs; after a failure, which service failed, in words, and
the key that tries again. The app keeps working: only this pane is affected.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import LoadingIndicator, Static


class LoadState(Vertical):
    """Hidden when the pane is ready; a spinner while loading; an error otherwise."""

    class Settled(Message):
        """A pane's read ended: `failed` or not. The app reads the header's
        figures again on it, so they never say less than the pane does."""

        def __init__(self, failed: bool) -> None:
            super().__init__()
            self.failed = failed

    DEFAULT_CSS = """
    LoadState { height: auto; display: none; }
    LoadState.-loading, LoadState.-failed { display: block; }
    LoadState LoadingIndicator { height: 1; display: none; }
    LoadState.-loading LoadingIndicator { display: block; }
    LoadState #load-message { height: auto; padding: 0 1; }
    LoadState.-failed #load-message { color: $error; }
    """

    def compose(self) -> ComposeResult:
        yield LoadingIndicator()
        yield Static("", id="load-message")

    def loading(self, what: str) -> None:
        self.set_classes("-loading")
        self.query_one("#load-message", Static).update(Text(what, style="dim"))

    def failed(self, service: str, detail: str, retry_key: str = "ctrl+r") -> None:
        self.set_classes("-failed")
        text = Text()
        text.append(f"{service} did not answer: ", style="bold")
        text.append(detail)
        text.append(f"\nPress {retry_key} to try again.")
        self.query_one("#load-message", Static).update(text)
        self.post_message(self.Settled(failed=True))

    def cancelled(self, service: str, retry_key: str = "ctrl+r") -> None:
        self.set_classes("-failed")
        text = Text(f"Stopped waiting for {service}. Press {retry_key} to load again.")
        self.query_one("#load-message", Static).update(text)

    def ready(self) -> None:
        self.set_classes("")
        self.post_message(self.Settled(failed=False))
