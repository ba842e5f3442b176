"""`triage jobs ...`: the failed-jobs queue without the terminal app.

triage jobs list [--json] [--case CASE] [--queues]
triage jobs show JID [--json]
triage jobs retry (JID... | --case CASE) --reason TEXT [--preview] [--allow-orphans]
                  [--force]
triage jobs delete JID... --reason TEXT [--preview]
triage jobs enqueue register-for-trn SLUG --reason TEXT [--preview]
triage jobs enqueue retrieve-trn SLUG --timeout YYYY-MM-DD --reason TEXT [--preview]
triage jobs enqueue update-trainee SLUG --reason TEXT [--preview]
triage jobs enqueue recommend-for-award SLUG --reason TEXT [--preview]

Exit status: 0 done (or shown); 1 refused, nothing found, or some jobs skipped or
already gone; 2 a usage, configuration or service error; 3 a service that cannot
be reached. The JSON forms are
documented in docs/jobs-json.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from triage.config import Settings

EXIT_OK = 0
EXIT_NOT_DONE = 1
EXIT_ERROR = 2
EXIT_UNREACHABLE = 3

_ENQUEUE_KINDS = {
    "register-for-trn": "register_for_trn",
    "retrieve-trn": "retrieve_trn",
    "update-trainee": "update_trainee",
    "recommend-for-award": "recommend_for_award",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "jobs",
        help="list, explain, retry, delete or enqueue Sidekiq jobs",
        description="Failed DQT jobs read from Sidekiq's Redis data, each matched "
        "to a playbook case. Writes need TRIAGE_ALLOW_WRITES and a reason.",
    )
    commands = parser.add_subparsers(dest="jobs_command", metavar="ACTION")
    commands.required = True

    listing = commands.add_parser("list", help="failed jobs with their playbook case")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--case", help="only this playbook case (its key)")
    listing.add_argument(
        "--queues", action="store_true", help="include jobs waiting in queues"
    )
    listing.set_defaults(handler=run_list)

    show = commands.add_parser("show", help="one job in full")
    show.add_argument("jid")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=run_show)

    retry = commands.add_parser("retry", help="retry jobs as Sidekiq's API would")
    retry.add_argument("jids", nargs="*", metavar="JID")
    retry.add_argument("--case", help="every job of this playbook case")
    _write_options(retry)
    retry.add_argument(
        "--allow-orphans",
        action="store_true",
        help="also retry jobs whose trainee is gone or discarded (they will fail)",
    )
    retry.add_argument(
        "--force",
        action="store_true",
        help="retry an award job although the trainee's update job has not gone "
        "through (the ordered retry, `triage fix ordered_retry SLUG`, is safer)",
    )
    retry.set_defaults(handler=run_retry)

    delete = commands.add_parser("delete", help="delete jobs by their exact member")
    delete.add_argument("jids", nargs="+", metavar="JID")
    _write_options(delete)
    delete.set_defaults(handler=run_delete)

    enqueue = commands.add_parser("enqueue", help="enqueue a new DQT job")
    enqueue.add_argument("kind", choices=sorted(_ENQUEUE_KINDS))
    enqueue.add_argument("slug", help="the trainee's slug (or numeric id)")
    enqueue.add_argument(
        "--timeout", type=date.fromisoformat, help="retrieve-trn: polling deadline"
    )
    _write_options(enqueue)
    enqueue.set_defaults(handler=run_enqueue)


def _write_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", help="why (kept in the journal); required")
    parser.add_argument(
        "--preview", action="store_true", help="say what would happen; change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


# --- reading ----------------------------------------------------------------------


def _connect(settings: Settings) -> Any:
    from triage.runtime import connect

    return connect(settings)


def _load(connections: Any, *, include_queues: bool = False) -> Any:
    from services.sidekiq.listing import load_failed_jobs

    return load_failed_jobs(
        connections.redis, connections.engine, include_queues=include_queues
    )


def _guard(handler: Any) -> Any:
    """Service failures become one line on stderr: exit status 3 when a service
    cannot be reached, 2 for any other service error."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        import redis as redis_lib
        from sqlalchemy.exc import SQLAlchemyError

        from sandbox.lifecycle import SandboxError
        from triage.exits import unreachable

        try:
            return int(handler(args, settings))
        except BrokenPipeError:
            raise  # stdout's reader went away: handled once in triage/cli.py
        except (redis_lib.RedisError, SQLAlchemyError, OSError, SandboxError) as error:
            message = unreachable(error)
            if message is not None:
                print(f"triage jobs: {message}", file=sys.stderr)
                return EXIT_UNREACHABLE
            print(
                f"triage jobs: service error: {type(error).__name__}: {error}",
                file=sys.stderr,
            )
            return EXIT_ERROR

    return run


@_guard
def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from services.playbook import CASES
    from services.sidekiq.listing import health_json, row_to_json

    if args.case and args.case not in CASES:
        print(
            f"triage jobs: unknown case {args.case!r}; cases: " + ", ".join(CASES),
            file=sys.stderr,
        )
        return EXIT_ERROR
    connections = _connect(settings)
    try:
        view = _load(connections, include_queues=args.queues)
    finally:
        connections.close()
    rows = view.by_case(args.case) if args.case else view.rows
    listed = {id(row.job) for row in rows}

    if args.json:
        document = {
            "format": 1,
            "read_at": view.read_at.isoformat(),
            "dead_set": health_json(view.health),
            "counts": dict(view.case_counts()),
            "jobs": [row_to_json(row) for row in rows],
            "trainees": [
                {
                    "key": group.key,
                    "trainee_id": group.trainee_id,
                    "jids": [job.jid for job in group.jobs],
                    "notes": group.notes,
                }
                for group in view.groups
                if any(id(job) in listed for job in group.jobs)
            ],
        }
        print(json.dumps(document, ensure_ascii=False, indent=1))
        return EXIT_OK

    for row in rows:
        job = row.job
        print(
            f"{job.where:<9} {job.jid or '?':<24} {job.job_class or '?':<28} "
            f"{row.case_key:<26} {_trainee_label(row.resolution):<32} "
            f"{row.summary(60)}"
        )
    print(f"{len(rows)} jobs; " + _health_line(view.health, settings))
    for group in view.groups:
        for note in group.notes:
            print(f"{group.key}: {note}")
    return EXIT_OK


def _trainee_label(resolution: Any) -> str:
    """The trainee's name and id ("Bea Bothfailed #41"), else what was found."""
    trainee = resolution.trainee
    if resolution.status == "found" and trainee is not None and trainee.name:
        return f"{trainee.name} #{trainee.id}"
    return str(resolution.note)


def _health_line(health: Any, settings: Settings) -> str:
    if health is None:
        return ""
    line = f"dead set {health.size:,} of {health.max_jobs:,}"
    warnings = health.warnings(
        warn_fraction=settings.triage_dead_set_warn_fraction,
        warn_age_days=settings.triage_dead_age_warn_days,
    )
    return "; ".join([line, *warnings])


@_guard
def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from services.sidekiq.listing import row_to_json

    connections = _connect(settings)
    try:
        view = _load(connections, include_queues=True)
    finally:
        connections.close()
    rows = view.find(args.jid)
    if not rows:
        print(f"triage jobs: no job with jid {args.jid}", file=sys.stderr)
        return EXIT_NOT_DONE

    details = [_detail_json(row, row_to_json(row), view) for row in rows]
    if args.json:
        print(json.dumps(details, ensure_ascii=False, indent=1))
        return EXIT_OK
    for detail in details:
        _print_detail(detail)
    return EXIT_OK


def _detail_json(row: Any, data: dict[str, Any], view: Any) -> dict[str, Any]:
    job = row.job
    parsed = job.parsed_error
    case = row.classification.case
    data["case"]["explanation"] = case.explanation
    data["error"].update(
        message=job.error_message,
        title=parsed.title if parsed else None,
        errors=parsed.errors if parsed else {},
        body_kind=parsed.body_kind if parsed else None,
        headers=parsed.headers if parsed else {},
    )
    data["backtrace"] = job.backtrace
    data["raw"] = job.raw.decode("utf-8", "backslashreplace")
    group = next((g for g in view.groups if job in g.jobs), None)
    data["trainee_notes"] = group.notes if group else []
    data["trainee_jobs"] = [
        {"jid": other.jid, "where": other.where, "job_class": other.job_class}
        for other in (group.jobs if group else [])
        if other is not job
    ]
    return data


def _print_detail(data: dict[str, Any]) -> None:
    case = data["case"]
    error = data["error"]
    trainee = data["trainee"]
    lines = [
        f"jid            {data['jid']}",
        f"where          {data['where']} (score {data['score']}, {data['score_time']})",
        f"class          {data['wrapper_class']}",
        f"job            {data['job_class']} (ActiveJob id {data['job_id']})",
        f"arguments      {data['arguments']}",
        f"queue          {data['queue']}   retry {data['retry']}   "
        f"retry_count {data['retry_count']}",
        f"created        {data['created_at']}",
        f"enqueued       {data['enqueued_at']}",
        f"first failure  {data['failed_at']}",
        f"last failure   {data['retried_at'] or data['failed_at']}",
        f"trainee        {trainee['note']}",
        f"case           {case['title']} [{case['key']}] ({case['signal']})",
        f"               {case['explanation']}",
        f"fixes          {', '.join(case['fixes']) or '-'}"
        + ("   (compare with DQT first)" if case["needs_dqt_comparison"] else ""),
    ]
    if data["parse_error"]:
        lines.append(f"unreadable     {data['parse_error']}")
    if error["class"] or error["message"]:
        lines.append(f"error class    {error['class']}")
        lines.append("error message  " + (error["message"] or ""))
    for note in data["trainee_notes"]:
        lines.append(f"note           {note}")
    for other in data["trainee_jobs"]:
        lines.append(
            f"same trainee   {other['where']} {other['jid']} {other['job_class']}"
        )
    if data["backtrace"]:
        lines.append("backtrace")
        lines += [f"  {line}" for line in data["backtrace"]]
    raw = data["raw"]
    lines.append("raw            " + (raw if len(raw) <= 2000 else raw[:2000] + "…"))
    print("\n".join(lines))


# --- acting -----------------------------------------------------------------------


def _actions(connections: Any, settings: Settings) -> Any:
    from services.journal import Journal
    from services.sidekiq.actions import JobActions

    return JobActions(
        connections.redis,
        writes_enabled=settings.writes_enabled,
        operator=settings.operator,
        journal=Journal.in_data_dir(settings.triage_data_dir),
        major=settings.triage_sidekiq_version,
    )


def _select(
    view: Any, jids: list[str], case: str | None
) -> tuple[list[Any], list[str]]:
    """The rows to act on (sorted-set entries only), and jids not found."""
    if case:
        rows = [row for row in view.by_case(case) if row.job.in_sorted_set]
        return rows, []
    rows = []
    missing = []
    for jid in jids:
        found = [row for row in view.find(jid) if row.job.in_sorted_set]
        if not found:
            missing.append(jid)
        rows += found
    return rows, missing


def _resolutions(rows: list[Any]) -> dict[Any, Any]:
    return {row.job.target: row.resolution for row in rows if row.job.target}


def _act_on_selected(
    args: argparse.Namespace,
    settings: Settings,
    command: str,
    preview: Callable[[Any, list[Any], dict[Any, Any]], Any],
    act: Callable[[Any, list[Any], dict[Any, Any]], Any],
) -> int:
    """Preview or act on the jobs named (JIDs or --case), then print the outcome.

    `preview` and `act` are given the job actions, the jobs and their resolutions.
    """
    from services.sidekiq.actions import ActionRefused

    connections = _connect(settings)
    try:
        # The snapshot: these exact members, whatever arrives while we work.
        view = _load(connections)
        rows, missing = _select(view, args.jids, getattr(args, "case", None))
        actions = _actions(connections, settings)
        jobs = [row.job for row in rows]
        resolutions = _resolutions(rows)
        if args.preview:
            return _print_preview(
                preview(actions, jobs, resolutions), missing, args.json
            )
        try:
            report = act(actions, jobs, resolutions)
        except ActionRefused as refusal:
            print(f"triage jobs {command}: refused: {refusal}", file=sys.stderr)
            return EXIT_NOT_DONE
    finally:
        connections.close()
    return _print_report(report, missing, args.json)


@_guard
def run_retry(args: argparse.Namespace, settings: Settings) -> int:
    from services.playbook import CASES

    if bool(args.jids) == bool(args.case):
        print("triage jobs retry: give JIDs or --case, not both", file=sys.stderr)
        return EXIT_ERROR
    if args.case and args.case not in CASES:
        print(f"triage jobs retry: unknown case {args.case!r}", file=sys.stderr)
        return EXIT_ERROR

    options = {"allow_orphans": args.allow_orphans, "force": args.force}
    return _act_on_selected(
        args,
        settings,
        "retry",
        preview=lambda actions, jobs, resolutions: actions.preview_retry(
            jobs, resolutions=resolutions, **options
        ),
        act=lambda actions, jobs, resolutions: actions.retry(
            jobs, reason=args.reason, resolutions=resolutions, **options
        ),
    )


@_guard
def run_delete(args: argparse.Namespace, settings: Settings) -> int:
    return _act_on_selected(
        args,
        settings,
        "delete",
        preview=lambda actions, jobs, _: actions.preview_delete(jobs),
        act=lambda actions, jobs, resolutions: actions.delete(
            jobs, reason=args.reason, resolutions=resolutions
        ),
    )


@_guard
def run_enqueue(args: argparse.Namespace, settings: Settings) -> int:
    from services.sidekiq.actions import ActionRefused, EnqueueRequest
    from services.sidekiq.resolve import find_trainee

    kind = _ENQUEUE_KINDS[args.kind]
    if kind == "retrieve_trn" and args.timeout is None:
        print(
            "triage jobs enqueue retrieve-trn: --timeout DATE is required",
            file=sys.stderr,
        )
        return EXIT_ERROR

    connections = _connect(settings)
    try:
        trainee = find_trainee(connections.engine, args.slug)
        if trainee is None:
            print(f"triage jobs enqueue: no trainee {args.slug!r}", file=sys.stderr)
            return EXIT_NOT_DONE
        request = EnqueueRequest(kind, trainee, args.timeout)  # type: ignore[arg-type]
        actions = _actions(connections, settings)
        try:
            if args.preview:
                return _print_preview(actions.preview_enqueue(request), [], args.json)
            report = actions.enqueue(request, reason=args.reason)
        except ActionRefused as refusal:
            print(f"triage jobs enqueue: refused: {refusal}", file=sys.stderr)
            return EXIT_NOT_DONE
    finally:
        connections.close()
    return _print_report(report, [], args.json)


def _print_preview(preview: Any, missing: list[str], as_json: bool) -> int:
    if as_json:
        document = {
            "format": 1,
            "action": preview.action,
            "preview": True,
            "steps": [
                {
                    "op": step.op,
                    "key": step.key,
                    "jid": step.jid,
                    "trainee_id": step.trainee_id,
                    "description": step.description,
                    "payload": step.payload,
                }
                for step in preview.steps
            ],
            "skipped": [
                {"jid": s.jid, "where": s.where, "reason": s.reason, "detail": s.detail}
                for s in preview.skipped
            ],
            "warnings": list(preview.warnings),
            "not_found": missing,
        }
        print(json.dumps(document, ensure_ascii=False, indent=1))
        return EXIT_OK
    for line in preview.lines():
        print(line)
    for jid in missing:
        print(f"not found: {jid}")
    if not preview.steps:
        print("nothing would change")
    return EXIT_OK


def _print_report(report: Any, missing: list[str], as_json: bool) -> int:
    if as_json:
        document = {
            "format": 1,
            "action": report.action,
            "preview": False,
            "summary": report.summary(),
            "counts": dict(report.counts()),
            "jobs": [
                {
                    "jid": o.jid,
                    "trainee_id": o.trainee_id,
                    "outcome": o.outcome,
                    "detail": o.detail,
                }
                for o in report.outcomes
            ],
            "warnings": list(report.warnings),
            "not_found": missing,
        }
        print(json.dumps(document, ensure_ascii=False, indent=1))
    else:
        for outcome in report.outcomes:
            print(f"{outcome.outcome:<13} {outcome.jid or '?':<24} {outcome.detail}")
        for warning in report.warnings:
            print(f"warning: {warning}")
        for jid in missing:
            print(f"not found: {jid}")
        print(report.summary())
        if any("target missing" in o.detail for o in report.outcomes):
            print("(a job whose trainee is gone fails again: --allow-orphans)")
    done = {"retried", "queued", "deleted", "enqueued"}
    all_done = all(o.outcome in done for o in report.outcomes)
    return EXIT_OK if all_done and not missing else EXIT_NOT_DONE
