"""Command line: `redis-practice serve [--profile P] [--host H] [--port N]`."""

import argparse
import logging
import os

import uvicorn

from adapters.http.server import BoundedHttpToolsProtocol
from composition.asgi import announce, load_settings
from composition.root import build
from composition.settings import Profile


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
        description="Serve the HTTP API. Settings come from the environment (see README.md).",
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    environ = dict(os.environ)
    if args.profile is not None:
        environ["APP_PROFILE"] = args.profile
    settings = load_settings(environ)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    built = build(settings)
    announce(built)
    uvicorn.run(
        built.app(),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http=BoundedHttpToolsProtocol,  # httptools, with a cap on the header block
        lifespan="on",
        log_level=args.log_level,
        access_log=not args.no_access_log,
        # Server-Sent Events streams never end by themselves: give them this long on shutdown.
        timeout_graceful_shutdown=5,
    )
    return 0
