"""`/healthz`, `/readyz`, `/metrics`, `/openapi.json`: what operators and tools read."""

import falcon.asgi
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from adapters.http.problems import unavailable
from adapters.http.responses import send_json
from domain.usecases.health import CheckReadiness

HEALTHY = b'{"status":"ok"}'


class OperationsResource:
    """Liveness without I/O, readiness with a probe of every backend, metrics, the API spec."""

    def __init__(
        self, readiness: CheckReadiness, registry: CollectorRegistry, openapi: bytes
    ) -> None:
        self._readiness = readiness
        self._registry = registry
        self._openapi = openapi

    async def on_get_health(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.data = HEALTHY
        resp.content_type = "application/json"

    async def on_get_ready(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        readiness = await self._readiness()
        if not readiness.ready:
            raise unavailable("a backend is not ready", checks=readiness.checks)
        send_json(resp, {"status": "ready", "checks": readiness.checks})

    async def on_get_metrics(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.data = generate_latest(self._registry)
        resp.content_type = CONTENT_TYPE_LATEST

    async def on_get_openapi(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.data = self._openapi
        resp.content_type = "application/json"
