"""An ASGI app on a real uvicorn server in this process, on a free loopback port: tests then
see the server's sockets, its protocol and the app's state all at once."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from adapters.http.edge import ASGIApp
from tests.support.redis_server import free_port


@asynccontextmanager
async def serving(app: ASGIApp, *, http: Any, **config: Any) -> AsyncIterator[uvicorn.Server]:
    """Serve `app` with the protocol class `http` until the block ends (a graceful shutdown,
    as on SIGTERM); yields the server (its port is `server.config.port`)."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=free_port(),
            http=http,
            lifespan="on",
            log_level="warning",
            access_log=False,
            **config,
        )
    )
    running = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn sets a flag, not an event
            await asyncio.sleep(0.01)
    try:
        yield server
    finally:
        server.should_exit = True
        await running
