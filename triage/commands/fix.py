"""`triage fix ...`: preview or apply one playbook fix without the terminal app.

triage fix --list
triage fix FIX SLUG --preview [--param key=value ...] [--json]
triage fix FIX SLUG --apply --comment TEXT [--param key=value ...] [--json]

`--apply` previews first and applies exactly that preview. Exit status: 0
applied (or, for an information-only fix, shown); 1 refused, failed, partly
applied, or a preview that cannot be applied; 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from typing import Any

from triage.config import Settings

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fix",
        help="preview or apply a playbook fix to one trainee",
        description="Preview (writes nothing) or apply one playbook fix. Every apply "
        "needs a comment and is recorded in the journal. A fix that changes the "
        "trainee or their Sidekiq jobs writes one audit row in Register; a fix "
        "that only acts on jobs writes it with no field changed (so Register's "
        "timeline shows nothing new) and the job steps after your comment. An "
        "information-only fix writes nothing.",
    )
    parser.add_argument("fix", nargs="?", help="the fix's name (see --list)")
    parser.add_argument(
        "slug",
        nargs="?",
        help="the trainee: slug, TRN (7 digits), or id (#123, id:123, or digits)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true", help="list the fixes")
    mode.add_argument("--preview", action="store_true", help="show what would change")
    mode.add_argument("--apply", action="store_true", help="make the change")
    parser.add_argument("--comment", help="why (kept in the audit and the journal)")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter of the fix (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--copy",
        action="store_true",
        help="also copy a fix's message to the clipboard (OSC 52; works over SSH)",
    )
    parser.set_defaults(handler=run)


def osc52(text: str) -> str:
    """The terminal sequence that puts `text` on the clipboard (OSC 52)."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{encoded}\x07"


def _copy(message: str | None) -> None:
    # Only to a terminal: in a pipe or a file the sequence would be noise.
    if message and sys.stdout.isatty():
        sys.stdout.write(osc52(message))
        sys.stdout.flush()


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param {pair!r} is not KEY=VALUE")
        params[key.strip()] = value
    return params


def fix_context(connections: Any) -> Any:
    """A FixContext on `connections` (also used by the terminal app's wiring)."""
    from services.fixes import FixContext
    from services.journal import Journal

    settings: Settings = connections.settings
    institutions = settings.triage_institutions_file
    if institutions is None and connections.sandbox:
        # The sandbox ships its own synthetic list.
        from sandbox.demo_reference import INSTITUTIONS_PATH

        institutions = INSTITUTIONS_PATH
    return FixContext(
        engine=connections.engine,
        redis=connections.redis,
        journal=Journal.in_data_dir(settings.triage_data_dir),
        operator=settings.operator,
        writes_enabled=settings.writes_enabled,
        dqt_base_url=connections.dqt_api_url,
        dqt_api_key=connections.dqt_api_key,
        sidekiq_major=settings.triage_sidekiq_version,
        institutions_path=institutions,
    )


def _list(as_json: bool) -> int:
    from services.fixes import FIXES

    rows: list[dict[str, Any]] = [
        {
            "name": fix.name,
            "title": fix.title,
            "description": fix.description,
            "params": [
                {
                    "name": spec.name,
                    "help": spec.help,
                    "required": spec.required,
                    "default": spec.default,
                }
                for spec in fix.params
            ],
        }
        for fix in FIXES.values()
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for row in rows:
        print(f"{row['name']:22} {row['title']}")
        for spec in row["params"]:
            need = "required" if spec["required"] else f"default {spec['default']}"
            print(f"{'':24}{spec['name']}: {spec['help']} ({need})")
    return EXIT_OK


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.list:
        return _list(args.json)
    if not args.fix or not args.slug or not (args.preview or args.apply):
        print(
            "triage fix: give FIX SLUG and --preview or --apply (or --list)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.apply and not (args.comment or "").strip():
        print("triage fix: --apply needs --comment TEXT (say why)", file=sys.stderr)
        return EXIT_USAGE
    try:
        params = _params(args.param)
    except ValueError as error:
        print(f"triage fix: {error}", file=sys.stderr)
        return EXIT_USAGE

    from services import fixes
    from services.fixes.common import trainee_target
    from services.fixes.text import outcome_lines, preview_lines
    from triage.runtime import connect

    connections = connect(settings)
    try:
        ctx = fix_context(connections)
        try:
            target = trainee_target(ctx, args.slug)
            preview = fixes.preview(ctx, args.fix, target, params)
        except fixes.FixInputError as error:
            print(f"triage fix: {error}", file=sys.stderr)
            return EXIT_USAGE

        if args.preview:
            if args.json:
                print(json.dumps(preview.to_dict(), indent=2, default=str))
            else:
                title = fixes.get_fix(args.fix).title
                print("\n".join(preview_lines(preview, title)))
            if args.copy:
                _copy(preview.message)
            return EXIT_REFUSED if preview.blocked else EXIT_OK

        outcome = fixes.apply(ctx, preview, args.comment)
        if args.json:
            print(json.dumps(outcome.to_dict(), indent=2, default=str))
        else:
            print("\n".join(outcome_lines(outcome)))
        return EXIT_OK if outcome.ok else EXIT_REFUSED
    finally:
        connections.close()
