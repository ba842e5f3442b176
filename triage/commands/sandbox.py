"""`triage sandbox ...`: the embedded services and demo data in the data folder.

triage sandbox status            what runs, where, whether the demo data are in
triage sandbox env               start if needed; print DATABASE_URL=... lines
triage sandbox stop              stop the sandbox's servers and simulator
triage sandbox reset [--yes]     wipe the sandbox's data, start and seed again
triage sandbox seed --database-url URL --redis-url URL --trainees N
                                 load the demo data (and N trainees in all)
                                 into services you name, for tests and benches
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from typing import Any

from triage.config import ConfigError, Settings, load_settings

log = logging.getLogger(__name__)

# Sidekiq's keys that `seed --force` clears in the Redis it is given.
SIDEKIQ_KEYS = ("retry", "dead", "schedule", "queues")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="the embedded PostgreSQL, Redis and DQT simulator with demo data",
        description="Manage the sandbox: embedded services whose data live in the "
        "data folder (TRIAGE_DATA_DIR).",
    )
    actions = parser.add_subparsers(dest="sandbox_command", metavar="ACTION")
    actions.required = True

    actions.add_parser("status", help="what runs and whether demo data are loaded")
    actions.add_parser("env", help="start if needed and print the services' URLs")
    actions.add_parser("stop", help="stop the sandbox's servers and simulator")

    reset = actions.add_parser("reset", help="wipe the sandbox, start and seed again")
    reset.add_argument("--yes", action="store_true", help="do not ask to confirm")

    seed = actions.add_parser(
        "seed",
        help="load demo data into the services you name",
        description="Create Register's tables (only where they do not exist) and "
        "load the demo data plus synthetic trainees and failed jobs into the given "
        "PostgreSQL and Redis. Meant for test and benchmark databases.",
    )
    seed.add_argument("--database-url", required=True, help="postgresql://...")
    seed.add_argument("--redis-url", required=True, help="redis://... or unix://...")
    seed.add_argument(
        "--trainees", type=_count, required=True, help="trainees in all (N >= 0)"
    )
    seed.add_argument(
        "--failed-jobs", type=_count, default=0, help="extra dead jobs to add"
    )
    seed.add_argument(
        "--today", type=_date, default=None, help="the demo's today (YYYY-MM-DD)"
    )
    seed.add_argument(
        "--dqt-state", default=None, help="also write the simulator's state here"
    )
    seed.add_argument(
        "--force",
        action="store_true",
        help="drop and recreate Register's tables and clear Sidekiq's keys first",
    )

    parser.set_defaults(handler=run)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox import lifecycle

    handlers = {
        "status": _status,
        "env": _env,
        "stop": _stop,
        "reset": _reset,
        "seed": _seed,
    }
    try:
        return handlers[args.sandbox_command](args, settings)
    except lifecycle.SandboxError as error:
        print(f"triage: sandbox: {error}", file=sys.stderr)
        return 1


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox import lifecycle

    state = lifecycle.status(settings.triage_data_dir)
    rows = [
        ("data folder", str(state.data_dir)),
        ("PostgreSQL", _running(state.database_url, state.postgres_pid)),
        ("Redis", _running(state.redis_url, state.redis_pid)),
        ("DQT simulator", _running(state.dqt_api_url, state.simulator_pid)),
        ("demo data", f"loaded {state.seeded_at}" if state.seeded else "not loaded"),
    ]
    for name, value in rows:
        print(f"{name:<14} {value}")
    if not settings.uses_sandbox:
        print("note: service URLs are configured, so `triage` does not use the sandbox")
    return 0


def _running(url: str | None, pid: int | None) -> str:
    if not url:
        return "stopped"
    return f"{url} (pid {pid})" if pid else url


def _env(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox import lifecycle

    urls = lifecycle.ensure_running(settings.triage_data_dir)
    for line in lifecycle.env_lines(urls):
        print(line)
    return 0


def _stop(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox import lifecycle

    stopped = lifecycle.stop(settings.triage_data_dir)
    print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
    return 0


def _reset(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox import lifecycle

    folder = settings.triage_data_dir
    if not args.yes:
        if not sys.stdin.isatty():
            print(
                "triage: sandbox reset wipes the sandbox's data; add --yes to confirm",
                file=sys.stderr,
            )
            return 1
        answer = input(f"Wipe the sandbox's data in {folder} and seed again? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("left as it was")
            return 1
    lifecycle.reset(folder)
    print(f"sandbox in {folder} reset and seeded")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    """Seed services named on the command line (never the configured ones)."""
    # The same checks as the settings, so a typo is one clear line.
    checked = load_settings(database_url=args.database_url, redis_url=args.redis_url)
    assert checked.database_url and checked.redis_url

    import redis
    import sqlalchemy as sa

    from sandbox.bulk import seed_bulk_failed_jobs, seed_bulk_trainees
    from sandbox.demo import demo_dqt_state, seed_demo
    from services.db import make_engine
    from services.register import schema

    today = args.today or dt.date.today()
    engine = make_engine(checked.database_url)
    client = redis.Redis.from_url(checked.redis_url)
    started = time.monotonic()
    try:
        refusal = _refusal(engine, client)
        if refusal and not args.force:
            print(f"triage: sandbox seed: {refusal}; add --force", file=sys.stderr)
            return 1
        if args.force:
            log.info("seed --force: dropping Register's tables and Sidekiq's keys")
            schema.drop_schema(engine)
            _clear_sidekiq_keys(client)
        schema.create_schema(engine)

        seed_demo(engine, client, today=today)
        with engine.connect() as connection:
            count, last_id = connection.execute(
                sa.text("SELECT count(*), coalesce(max(id), 0) FROM trainees")
            ).one()
        if args.trainees > count:
            seed_bulk_trainees(engine, args.trainees - count, start_id=last_id + 1)
        if args.failed_jobs:
            seed_bulk_failed_jobs(client, args.failed_jobs)
        if args.dqt_state:
            _write_dqt_state(args.dqt_state, demo_dqt_state(today))

        with engine.connect() as connection:
            total = connection.execute(
                sa.text("SELECT count(*) FROM trainees")
            ).scalar()
    except (sa.exc.SQLAlchemyError, redis.RedisError, ConnectionError) as error:
        from triage.exits import EXIT_UNREACHABLE, unreachable

        down = unreachable(error)
        if down is not None:
            print(f"triage: sandbox seed: {down}", file=sys.stderr)
            return EXIT_UNREACHABLE
        message = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"triage: sandbox seed: {message}", file=sys.stderr)
        return 1
    finally:
        client.close()
        engine.dispose()

    seconds = time.monotonic() - started
    log.info("seeded %s trainees into given services in %.1fs", total, seconds)
    print(f"seeded {total} trainees and the demo's jobs in {seconds:.1f}s")
    return 0


def _refusal(engine: Any, client: Any) -> str | None:
    """Why seeding these services could harm data that are not ours, if it could."""
    import sqlalchemy as sa

    with engine.connect() as connection:
        if sa.inspect(connection).has_table("trainees"):
            has_rows = connection.execute(
                sa.text("SELECT EXISTS (SELECT 1 FROM trainees)")
            ).scalar()
            if has_rows:
                return "the database already holds trainees"
    if any(client.exists(key) for key in SIDEKIQ_KEYS):
        return "the Redis database already holds Sidekiq jobs"
    return None


def _clear_sidekiq_keys(client: Any) -> None:
    queues = [b"queue:" + name for name in client.smembers("queues")]
    client.delete(*SIDEKIQ_KEYS, *queues)


def _write_dqt_state(path: str, state: Any) -> None:
    import json
    from pathlib import Path

    try:
        Path(path).write_text(json.dumps(state, indent=2), encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"--dqt-state: cannot write {path}: {error}") from None
