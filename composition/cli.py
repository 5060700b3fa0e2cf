"""Command line: `redis-practice serve [--profile P] [--workers N] [--host H] [--port N]`,
`db upgrade|current`, `ledger-worker`, `coupons reconcile EVENT_ID|--all [--fix]`."""

import argparse
import logging
import os
import sys
from dataclasses import replace

from sqlalchemy.exc import OperationalError

from adapters.http.messages.fields import parse_id
from adapters.sql.database import describe_url
from adapters.sql.migrations import HEAD, current, upgrade
from composition import ledger
from composition.asgi import load_settings
from composition.serving import Listener, serve
from composition.settings import Profile, Settings, defaults


def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {raw!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 0 and 65535, got {port}")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redis-practice",
        description="Redis patterns done right: a reference service.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API. Settings come from the environment "
        "(see docs/operations.md).",
    )
    serve.add_argument(
        "--profile",
        choices=[profile.value for profile in Profile],
        help="adapters to use (default: $APP_PROFILE, else memory)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default: %(default)s)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="(default: %(default)s)",
    )
    serve.add_argument(
        "--no-access-log", action="store_true", help="do not log each request (load tests)"
    )
    serve.add_argument(
        "--workers",
        metavar="N",
        help="worker processes on one socket (default: $WEB_CONCURRENCY, else 1); more than "
        "one needs the redis, sentinel or cluster profile",
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="migrate the PostgreSQL schema before serving (SQLite always is)",
    )
    database = commands.add_parser(
        "db",
        help="the SQL database of DATABASE_URL",
        description="Migrations of the database at $DATABASE_URL (see docs/operations.md).",
    )
    actions = database.add_subparsers(dest="action", required=True)
    actions.add_parser("upgrade", help="apply every migration not applied yet")
    actions.add_parser("current", help="print the revision the database is at")
    commands.add_parser(
        "ledger-worker",
        help="archive issued coupons from the ledger feed (until SIGTERM or SIGINT)",
        description="One ledger worker: reads the coupon ledger feed of $REDIS_URL (or the "
        "Sentinels) as a member of its consumer group and writes to $DATABASE_URL. Several "
        "may run; they share the work. Every app instance runs one too.",
    )
    shown = commands.add_parser(
        "settings",
        help="print the effective settings (secrets masked)",
        description="Print every setting as the environment sets it now, one NAME=value per "
        "line (secrets only say whether they are set), or with --markdown the table of every "
        "setting and its default that docs/operations.md holds.",
    )
    shown.add_argument("--markdown", action="store_true", help="the table of docs/operations.md")
    coupons = commands.add_parser("coupons", help="coupon ledger operations")
    coupon_actions = coupons.add_subparsers(dest="action", required=True)
    reconcile = coupon_actions.add_parser(
        "reconcile",
        help="compare coupon events in Redis and in the archive",
        description="Print how Redis and the archive differ for one event (or, with --all, "
        "for every event either holds): coupons missing in the archive, missing in Redis, "
        "conflicting owners.",
        epilog=ledger.EXIT_CODES,
    )
    which = reconcile.add_mutually_exclusive_group(required=True)
    which.add_argument("event_id", type=_event_id, nargs="?", help="the coupon event")
    which.add_argument("--all", action="store_true", help="every event Redis or the archive holds")
    reconcile.add_argument(
        "--fix",
        action="store_true",
        help="repair: archive what only Redis holds, then bring Redis in line with the archive",
    )
    return parser


def _event_id(raw: str) -> int:
    event_id = parse_id(raw)
    if event_id is None:
        raise argparse.ArgumentTypeError(f"not an event id: {raw[:30]!r}")
    return event_id


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "db":
        return _database(args.action, load_settings(dict(os.environ)))
    if args.command == "settings":
        print(settings_table() if args.markdown else effective(load_settings(dict(os.environ))))
        return 0
    if args.command in {"ledger-worker", "coupons"}:
        logging.basicConfig(
            level="WARNING", format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        settings = load_settings(dict(os.environ))
        if args.command == "ledger-worker":
            return ledger.run_worker(settings)
        return ledger.reconcile(settings, None if args.all else args.event_id, fix=args.fix)
    environ = dict(os.environ)
    if args.profile is not None:
        environ["APP_PROFILE"] = args.profile
    if args.workers is not None:
        environ["WEB_CONCURRENCY"] = args.workers
    settings = replace(load_settings(environ), migrate=True if args.migrate else None)
    listener = Listener(
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=not args.no_access_log,
    )
    return serve(settings, listener)


def effective(settings: Settings) -> str:
    """`NAME=value` per setting, in declaration order; a secret says only whether it is set."""
    return "\n".join(f"{declaration.env}={value}" for declaration, value in settings.effective())


def settings_table() -> str:
    """docs/operations.md's table: every setting, its default, what it does (from the
    declarations)."""
    rows = [
        f"| `{declaration.env}` | {_cell(default)} | {declaration.help} |"
        for declaration, default in defaults()
    ]
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])


def _cell(default: str) -> str:
    return default if " " in default else f"`{default}`"


def _database(action: str, settings: Settings) -> int:
    """`db upgrade` / `db current`, with one line on stderr and status 1 when it fails."""
    where = describe_url(settings.database_url)
    try:
        if action == "upgrade":
            before = current(settings.database_url)
            upgrade(settings.database_url)
            print(f"{where}: at revision {HEAD} (was {before or 'empty'})")
        else:
            print(f"{where}: at revision {current(settings.database_url) or 'none (empty)'}")
    except (OperationalError, OSError) as error:
        print(f"redis-practice: {where}: {type(error).__name__}: cannot reach it", file=sys.stderr)
        return 1
    return 0
