"""ASGI factories: `create_app` (`uvicorn --factory composition.asgi:create_app`), and
`create_worker_app` with `worker_protocol` for the workers of `redis-practice serve --workers N`
(`composition.serving`)."""

import asyncio
import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Final

from uvicorn.config import STARTUP_FAILURE

from adapters.http.edge import ASGIApp
from adapters.http.server import ConnectionLimits, GuardedHttpToolsProtocol, guarded_protocol
from composition.root import build
from composition.settings import Settings, SettingsError

KEEP_ALIVE_SECONDS: Final = 5
"""uvicorn's default: an idle connection is closed after it (before its first request too)."""


def connection_limits(settings: Settings) -> ConnectionLimits:
    """What one server process allows its clients (adapters/http/server.py)."""
    return ConnectionLimits(
        head_timeout_seconds=settings.http_head_timeout_seconds,
        idle_seconds=KEEP_ALIVE_SECONDS,
        max_connections=settings.http_max_connections,
    )


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings from the environment, or exit with status 2 and one line naming the problem."""
    try:
        return Settings.from_environ(os.environ if environ is None else environ)
    except SettingsError as error:
        print(f"redis-practice: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def announce(
    tokens: Iterable[tuple[str, str]], warnings: Iterable[str], *, workers: int = 1
) -> None:
    """Print each generated token, once, to the terminal (never to the logs), and any warning
    about the configuration."""
    holder = "this process" if workers == 1 else f"this server's {workers} workers"
    for warning in warnings:
        print(f"redis-practice: warning: {warning}", file=sys.stderr, flush=True)
    for name, token in tokens:
        print(
            f"redis-practice: {name} is not set; generated for {holder}: {token}",
            file=sys.stderr,
            flush=True,
        )


def create_app() -> ASGIApp:
    built = build(load_settings())
    announce(built.generated, built.warnings)
    return built.app()


_worker_protocol: type[GuardedHttpToolsProtocol] | None = None


def create_worker_app() -> ASGIApp:
    """The app of one worker process. Its server generated the secrets (they are in the
    environment), announced them and migrated the schema: the worker does neither. It also
    makes the protocol class `worker_protocol` hands to uvicorn, which reads it afterwards.

    A worker that cannot build its app exits with uvicorn's `STARTUP_FAILURE`, which stops the
    server: the next worker would fail the same way, in a loop."""
    global _worker_protocol
    try:
        settings = replace(load_settings(), migrate=False)
        built = build(settings)
    except SystemExit:  # a configuration error, already told in one line
        raise SystemExit(STARTUP_FAILURE) from None
    except Exception as error:
        print(
            f"redis-practice: worker {os.getpid()} cannot build the app: "
            f"{type(error).__name__}: {error}",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(STARTUP_FAILURE) from None
    _worker_protocol = guarded_protocol(connection_limits(settings), built.container.draining())
    return built.app()


def worker_protocol(**kwargs: Any) -> asyncio.Protocol:
    """uvicorn's `http=` in a worker (an import string: the workers are spawned): a connection's
    protocol, of the class `create_worker_app` made for this process (uvicorn builds the app
    before it accepts a connection)."""
    assert _worker_protocol is not None, "create_worker_app has not run in this process"
    return _worker_protocol(**kwargs)
