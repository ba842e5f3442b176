"""`triage dqt-sim --port N [--state FILE] [--api-key KEY]`: run the DQT simulator.

Serves on loopback until interrupted. With `--state` the simulator starts from that
JSON file (an empty state if it does not exist yet) and saves it after every write.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from triage.config import Settings

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dqt-sim",
        help="run the DQT API simulator on loopback",
        description="Run the DQT v2 API simulator on 127.0.0.1 until interrupted.",
    )
    parser.add_argument("--port", type=_port, required=True, help="TCP port (1-65535)")
    parser.add_argument(
        "--state", type=Path, default=None, help="JSON state file (read and saved)"
    )
    parser.add_argument(
        "--api-key", default=None, help="an API key to accept (added to the state)"
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=300,
        help="requests a minute per client before 429 (default 300)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from dqt.simulator.server import serve

    try:
        serve(
            args.state,
            args.port,
            api_key=args.api_key,
            rate_limit_per_minute=args.rate_limit,
        )
    except ValueError as error:  # an unreadable state file
        print(f"triage dqt-sim: {error}", file=sys.stderr)
        return 1
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {port}")
    return port
