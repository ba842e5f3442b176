"""The `triage` command: the TUI by default, headless sub-commands beside it.

Each sub-command lives in its own module under `triage/commands/` and adds itself to
the parser through a `register(subparsers)` function; this file only dispatches and
turns start-up problems into one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from triage.config import ConfigError, load_settings
from triage.exits import EXIT_CONFIG, EXIT_UNREACHABLE, unreachable
from triage.logs import configure_logging

log = logging.getLogger(__name__)

# Modules under triage/commands/ adding sub-commands, in the order `--help` lists them.
COMMAND_MODULES = (
    "sandbox",
    "jobs",
    "fix",
    "monitors",
    "dqt_sim",
)

# What a shell reports for a command ended by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage",
        description="Triage Register trainee teachers' failed DQT jobs. "
        "With no command, opens the terminal app.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"triage.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"triage.commands.{name}":
                continue  # a command not built yet is simply not offered
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a reader that went away (`| head`) ends it quietly."""
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # Nothing more can be written: point stdout at /dev/null so that the
        # interpreter's own flush at exit does not complain a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
        return EXIT_BROKEN_PIPE


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"triage: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG

    try:
        configure_logging(settings.triage_data_dir)
    except OSError as error:
        print(
            f"triage: configuration error: TRIAGE_DATA_DIR: cannot use "
            f"{settings.triage_data_dir}: {error.strerror or error}",
            file=sys.stderr,
        )
        return EXIT_CONFIG

    handler = getattr(args, "handler", None)
    if handler is None:
        from triage.commands.app import run_app

        return run_app(settings)
    try:
        return int(handler(args, settings) or 0)
    except ConfigError as error:
        print(f"triage: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        message = unreachable(error)
        if message is None:
            raise
        log.warning("%s: %s", args.command, message)
        print(f"triage: {message}", file=sys.stderr)
        return EXIT_UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
