"""An unhandled error inside the app ends it with a non-zero status, a log line,
and a traceback that shows no local variables (they hold connection details)."""

from __future__ import annotations

import logging
from typing import Any

import pytest


async def test_unhandled_error_is_logged_without_locals(
    make_app: Any,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    app = make_app()
    secret = app.connections.dqt_api_key
    assert secret

    def fail_here() -> None:
        connections = app.connections  # a local the default traceback would print
        raise RuntimeError(f"broken while holding {type(connections).__name__}")

    caplog.set_level(logging.ERROR, logger="tui.app")
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.call_later(fail_here)
            await pilot.pause(0.3)

    assert app.return_code == 1
    assert "stopped on an unhandled error" in caplog.text
    # The traceback is printed when the app closes.
    captured = capfd.readouterr()
    shown = captured.out + captured.err
    assert "broken while holding Connections" in shown
    assert secret not in shown
