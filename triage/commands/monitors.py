"""`triage watch` and `triage export`: the monitors, headless.

`triage watch [--json]` prints one line per condition that needs a person and exits
0 when there is none, 1 when there is any, 2 on a configuration error and 3 when a
service cannot be reached: made for cron and monitoring checks. With `--json` each
line is one JSON object (`kind`, `key`, `count`, `message`, `examples`).

`triage export WHAT --format csv|json [--with-dqt] [--case CASE]
[--include-date-of-birth] [--output PATH]` writes failed jobs, pending TRNs or
pending awards to a file, with a progress bar on stderr when stderr is a terminal,
and prints the file's path at the end; `--output -` writes to stdout instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any

from triage.config import ConfigError, Settings

log = logging.getLogger(__name__)

EXIT_CLEAR = 0
EXIT_NEEDS_A_PERSON = 1
EXIT_ERROR = 2
EXIT_UNREACHABLE = 3


# The same choices as `services.export.WHATS` and `FORMATS` (a test keeps them
# equal), written out so that building the parser imports no service code: every
# `triage` start, the terminal app's included, builds it.
WHATS = ("failed-jobs", "pending-trns", "pending-awards")
FORMATS = ("csv", "json")


def register(subparsers: Any) -> None:
    watch = subparsers.add_parser(
        "watch",
        help="print conditions that need a person; exit 1 when there is any",
        description=(
            "Check dead jobs by playbook case, timed-out TRN polling, trainees "
            "waiting past the thresholds and the dead set's limits. One line per "
            "condition; exit 0 when none, 1 when any, 2 on a configuration "
            "error, 3 when a service cannot be reached."
        ),
    )
    watch.add_argument(
        "--json", action="store_true", help="one JSON object per line instead of text"
    )
    watch.set_defaults(handler=run_watch)

    export = subparsers.add_parser(
        "export",
        help="write failed jobs, pending TRNs or pending awards to CSV or JSON",
        description=(
            "Export a list with the columns support uses. JSON is one array with "
            "one object per line. Dates of birth only with --include-date-of-birth."
        ),
    )
    export.add_argument("what", choices=WHATS, help="which list to export")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument(
        "--with-dqt",
        action="store_true",
        help="add DQT's values (QTS/EYTS dates, names, ITT result) per trainee",
    )
    export.add_argument("--case", help="failed-jobs only: one playbook case key")
    export.add_argument(
        "--include-date-of-birth",
        action="store_true",
        help="add the date_of_birth column (personal data: handle the file with care)",
    )
    export.add_argument(
        "--output",
        help="file to write, or - for stdout (default: a dated name here)",
    )
    export.add_argument(
        "--limit", type=int, default=None, help="write at most this many rows"
    )
    export.set_defaults(handler=run_export)


def _thresholds(settings: Settings) -> Any:
    from services.watch import Thresholds

    return Thresholds(
        pending_trn_days=settings.triage_pending_trn_days,
        pending_award_days=settings.triage_pending_award_days,
        dead_set_warn_fraction=settings.triage_dead_set_warn_fraction,
        dead_age_warn_days=settings.triage_dead_age_warn_days,
    )


def _service_error(error: Exception) -> int:
    """One line on stderr: 3 when a service cannot be reached, else 2."""
    from triage.exits import unreachable

    message = unreachable(error)
    if message is not None:
        print(f"triage: {message}", file=sys.stderr)
        log.warning("monitor command failed: %s", message)
        return EXIT_UNREACHABLE
    print(f"triage: service error: {_one_line(error)}", file=sys.stderr)
    log.warning("monitor command failed: %s", _one_line(error))
    return EXIT_ERROR


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]


def _service_errors() -> tuple[type[Exception], ...]:
    import redis
    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError, redis.RedisError)


def run_watch(args: argparse.Namespace, settings: Settings) -> int:
    from services.watch import watch_conditions
    from triage.runtime import connect

    try:
        connections = connect(settings)
    except ConfigError:
        raise
    except Exception as error:  # noqa: BLE001 - a sandbox that cannot start
        return _service_error(error)

    try:
        with connections.engine.connect() as conn:
            conditions = watch_conditions(
                conn,
                connections.redis,
                today=date.today(),
                thresholds=_thresholds(settings),
            )
    except _service_errors() as error:
        return _service_error(error)
    finally:
        connections.close()

    for condition in conditions:
        if args.json:
            print(json.dumps(condition.as_dict(), ensure_ascii=False))
        else:
            print(condition.line())
    return EXIT_NEEDS_A_PERSON if conditions else EXIT_CLEAR


class ProgressBar:
    """A one-line bar on stderr, redrawn in place; silent when stderr is no terminal."""

    WIDTH = 30

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if total:
            filled = int(self.WIDTH * min(done / total, 1.0))
            bar = "#" * filled + "." * (self.WIDTH - filled)
            text = f"\r{self.label} [{bar}] {done:,}/{total:,}"
        else:
            text = f"\r{self.label} {done:,} rows"
        sys.stderr.write(text)
        sys.stderr.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from services.export import (
        DqtLookup,
        ExportError,
        ExportRequest,
        default_file_name,
        export_to_file,
        export_to_stream,
    )
    from triage.runtime import connect

    request = ExportRequest(
        what=args.what,
        format=args.format,
        case=args.case,
        with_dqt=args.with_dqt,
        include_date_of_birth=args.include_date_of_birth,
        limit=args.limit,
    )
    try:
        request.check()
    except ExportError as error:
        print(f"triage: {error}", file=sys.stderr)
        return EXIT_ERROR

    today = date.today()
    to_stdout = args.output == "-"
    path = Path(args.output) if args.output else Path.cwd()
    if not args.output or path.is_dir():
        path = path / default_file_name(request, today)

    try:
        connections = connect(settings)
    except ConfigError:
        raise
    except Exception as error:  # noqa: BLE001 - a sandbox that cannot start
        return _service_error(error)

    bar = ProgressBar(f"exporting {request.what}")
    lookup = None
    try:
        if request.with_dqt:
            lookup = DqtLookup(
                connections.dqt_api_url,
                connections.dqt_api_key,
                timeout=settings.triage_dqt_timeout_seconds,
                requests_per_minute=settings.triage_dqt_requests_per_minute,
            )
            lookup.open()
        if to_stdout:
            rows = export_to_stream(
                connections.engine,
                connections.redis,
                request,
                sys.stdout,
                today=today,
                progress=bar,
                dqt=lookup,
            )
        else:
            result = export_to_file(
                connections.engine,
                connections.redis,
                request,
                path,
                today=today,
                progress=bar,
                dqt=lookup,
            )
    except ExportError as error:
        bar.finish()
        print(f"triage: {error}", file=sys.stderr)
        return EXIT_ERROR
    except _service_errors() as error:
        bar.finish()
        return _service_error(error)
    except BrokenPipeError:
        raise  # stdout's reader went away: handled once in triage/cli.py
    except OSError as error:
        bar.finish()
        print(
            f"triage: cannot write {path}: {error.strerror or error}", file=sys.stderr
        )
        return EXIT_ERROR
    finally:
        if lookup is not None:
            lookup.close()
        connections.close()

    bar.finish()
    if to_stdout:
        log.info("exported %s rows of %s to stdout", rows, request.what)
    else:
        print(result.path)
    return EXIT_CLEAR
