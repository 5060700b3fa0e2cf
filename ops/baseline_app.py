"""The bare baseline for a cache hit: the simplest correct endpoint doing the same I/O.

`GET /notices` is one redis.asyncio GET of the same rendered page the service caches, written
as it is: no routing table, no validation, no metrics, no deadline, no problem documents.
Same client settings as the service (hiredis, RESP3, a blocking pool of 64). `GET /healthz`
answers without I/O. `ops/throughput.py --baseline` serves it beside the service and stores
the service's own page under BASELINE_KEY first.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/uvicorn --app-dir ops --no-proxy-headers \\
        --factory baseline_app:create_app --http httptools --loop uvloop
"""

import os

import falcon
import falcon.asgi
from redis.asyncio import BlockingConnectionPool, Redis

BASELINE_KEY = "baseline:page"


class Page:
    """One GET, the bytes as they are; 503 if the page is not there."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        body = await self._redis.get(BASELINE_KEY)
        if body is None:
            resp.status = 503
            return
        resp.data = body if isinstance(body, bytes) else body.encode()
        resp.content_type = "application/json"


class Health:
    """No I/O."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.data = b'{"status":"ok"}'
        resp.content_type = "application/json"


def create_app() -> "falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response]":
    pool = BlockingConnectionPool.from_url(
        os.environ["REDIS_URL"],
        max_connections=64,
        timeout=1.5,
        socket_connect_timeout=0.4,
        socket_timeout=0.4,
        protocol=3,
    )
    app = falcon.asgi.App()
    app.add_route("/notices", Page(Redis.from_pool(pool)))
    app.add_route("/healthz", Health())
    return app
