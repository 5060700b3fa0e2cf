"""`redis-practice serve`: one process, or a server of worker processes on one socket.

With `--workers N` (or `WEB_CONCURRENCY`) above 1, this process is the server and starts no
app of its own. Before any worker starts it:

- generates the secrets the environment left unset, once, and hands them to every worker in
  its environment (an admin token works on every worker, an OTP issued by one verifies on
  another);
- migrates the schema once (SQLite always, PostgreSQL with `--migrate`), so that workers
  never race each other's migrations;
- makes a fresh metrics directory, where each worker's counters live in a file
  (prometheus-client's multiprocess format) and which any worker's `/metrics` sums; it is
  removed at exit.

Then uvicorn's process manager runs the workers: it restarts one that dies, and stops the
server when one fails before it served (`STARTUP_FAILURE`) instead of restarting it in a loop.
Each worker builds the app with `composition.asgi:create_worker_app`.
"""

import copy
import logging
import logging.config
import os
import resource
import shutil
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Final

import uvicorn
from sqlalchemy.exc import OperationalError
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from adapters.http.server import guarded_protocol
from adapters.prometheus.metrics import SHARED_DIRECTORY
from adapters.sql.database import database_url, describe_url, is_sqlite
from adapters.sql.migrations import upgrade
from composition.asgi import KEEP_ALIVE_SECONDS, announce, connection_limits
from composition.root import build, prepare
from composition.settings import Settings

GRACE_SECONDS: Final = 5
"""On shutdown, in-flight requests and Server-Sent Events streams get this long."""
WORKERS_PER_CORE: Final = 4
"""The most workers per core `serve` starts: past it, workers add memory and contention,
not throughput (each is a whole event loop)."""
log = logging.getLogger(__name__)

LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True, slots=True, kw_only=True)
class Listener:
    """Where and how `serve` listens (its command-line options)."""

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    access_log: bool = True


def serve(settings: Settings, listener: Listener) -> int:
    """Serve until SIGTERM or SIGINT; the exit status."""
    raise_descriptor_limit(settings.http_max_connections)
    if settings.workers == 1:
        return _serve_alone(settings, listener)
    cores = os.cpu_count() or 1
    if settings.workers > WORKERS_PER_CORE * cores:
        print(
            f"redis-practice: configuration error: WEB_CONCURRENCY={settings.workers} "
            f"(--workers): at most {WORKERS_PER_CORE} per core, {WORKERS_PER_CORE * cores} "
            f"on this host's {cores}; more add memory and contention, not throughput",
            file=sys.stderr,
        )
        return 2
    return _serve_workers(settings, listener)


def _serve_alone(settings: Settings, listener: Listener) -> int:
    built = build(settings)
    announce(built.generated, built.warnings)
    uvicorn.run(
        built.app(),
        # httptools, guarded: limits on heads, targets and connections (adapters/http/server.py)
        http=guarded_protocol(connection_limits(settings), built.container.draining()),
        **_options(listener),
    )
    return 0


def _serve_workers(settings: Settings, listener: Listener) -> int:
    logging.config.dictConfig(logging_config(listener.log_level))
    prepared = prepare(settings)
    for name, value in prepared.generated:
        os.environ[name] = value  # the workers' environment: the same secrets in each
    announce(prepared.shown, prepared.warnings, workers=settings.workers)
    if not _migrate_once(prepared.settings, settings.workers):
        return 1
    directory = tempfile.mkdtemp(prefix="redis-practice-metrics-")
    os.environ[SHARED_DIRECTORY] = directory  # read by each worker's process_metrics()
    config = uvicorn.Config(
        "composition.asgi:create_worker_app",
        factory=True,
        workers=settings.workers,
        # the protocol class the worker's factory made (composition.asgi.worker_protocol)
        http="composition.asgi:worker_protocol",
        **_options(listener),
    )
    server = Multiprocess(config, sockets=[config.bind_socket()])
    try:
        server.run()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    failed = [process.pid for process in server.processes if process.exitcode == STARTUP_FAILURE]
    if failed:
        print(
            f"redis-practice: worker {failed[0]} failed to start (its error is above): the "
            "server stopped instead of restarting it",
            file=sys.stderr,
        )
        return 1
    return 0


def _migrate_once(settings: Settings, workers: int) -> bool:
    """Migrate as a single process would have on start (SQLite always, PostgreSQL when
    asked), before any worker starts; False, with one line, when the database is unreachable."""
    if settings.profile.in_process:
        return True
    url = settings.database_url
    if not (settings.migrate or (settings.migrate is None and is_sqlite(database_url(url)))):
        return True
    try:
        upgrade(url)
    except (OperationalError, OSError) as error:
        print(
            f"redis-practice: {describe_url(url)}: {type(error).__name__}: cannot migrate it, "
            "so no worker was started",
            file=sys.stderr,
        )
        return False
    log.info("%s: migrated once, before the %d workers start", describe_url(url), workers)
    return True


def _options(listener: Listener) -> dict[str, Any]:
    """What uvicorn is given in both modes, but the app and the protocol."""
    return {
        "host": listener.host,
        "port": listener.port,
        "loop": "uvloop",
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "lifespan": "on",
        # NOTE: off: uvicorn would take the client address from X-Forwarded-For for any peer
        # on 127.0.0.1, so a local client could pick a new address per request and escape the
        # per-client limits. TRUST_FORWARDED_FOR alone decides (adapters/http/clients.py).
        "proxy_headers": False,
        "log_level": listener.log_level,
        "log_config": logging_config(listener.log_level),
        "access_log": listener.access_log,
        # Server-Sent Events streams never end by themselves: give them this long on shutdown.
        "timeout_graceful_shutdown": GRACE_SECONDS,
    }


def logging_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, and the application's loggers at `level` in the same format: each
    worker applies it when it starts."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["app"] = {"format": LOG_FORMAT}
    config["handlers"]["app"] = {
        "formatter": "app",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["app"], "level": level.upper()}
    return config


SPARE_DESCRIPTORS: Final = 1024
"""Beyond the connections: Redis and database pools, log files, the libraries' own."""


def raise_descriptor_limit(max_connections: int) -> None:
    """Raise the open-file soft limit to the hard limit (Linux distributions set the soft one
    at 1,024 or so; workers inherit it); warn when even the hard one cannot hold
    `max_connections`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    needed = max_connections + SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < needed:
        print(
            f"redis-practice: warning: the open-file limit ({soft}) is below what "
            f"HTTP_MAX_CONNECTIONS={max_connections} needs ({needed}): raise it (ulimit -n) or "
            "lower HTTP_MAX_CONNECTIONS",
            file=sys.stderr,
            flush=True,
        )
