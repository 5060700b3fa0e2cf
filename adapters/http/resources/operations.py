"""`/healthz`, `/readyz`, `/metrics`, `/openapi.json`: what operators and tools read."""

from typing import Final

import falcon.asgi
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from adapters.http.messages.operations import Health, Readiness
from adapters.http.problems import unavailable
from adapters.http.routing import Operation, Reply, Route, ok
from domain.usecases.operations import CheckReadiness

HEALTHY: Final = b'{"status":"ok"}'


class OperationsResource:
    """Liveness without I/O, readiness with a probe of every backend, metrics, the API spec."""

    def __init__(
        self, readiness: CheckReadiness, registry: CollectorRegistry, openapi: bytes
    ) -> None:
        self._readiness = readiness
        self._registry = registry
        self._openapi = openapi

    async def health(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> bytes:
        return HEALTHY

    async def ready(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> Readiness:
        readiness = await self._readiness()
        if not readiness.ready:
            raise unavailable("a backend is not ready", checks=readiness.checks)
        return Readiness("ready", readiness.checks)

    async def metrics(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        # NOTE: the probes first (each bounded by its timeout, failures only reported): what
        # they measure, such as Redis's memory, is as of this scrape.
        await self._readiness()
        resp.data = generate_latest(self._registry)
        resp.content_type = CONTENT_TYPE_LATEST

    async def openapi(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> bytes:
        return self._openapi


ROUTES: Final = (
    Route(
        path="/healthz",
        resource=OperationsResource,
        operations=(
            Operation(
                method="GET",
                handler=OperationsResource.health,
                summary="Liveness, without I/O",
                reply=ok(200, "Alive", Health),
                uses_backend=False,
            ),
        ),
    ),
    Route(
        path="/readyz",
        resource=OperationsResource,
        operations=(
            Operation(
                method="GET",
                handler=OperationsResource.ready,
                summary="Readiness: every backend answers",
                reply=ok(200, "Ready", Readiness),
            ),
        ),
    ),
    Route(
        path="/metrics",
        resource=OperationsResource,
        operations=(
            Operation(
                method="GET",
                handler=OperationsResource.metrics,
                summary="Prometheus metrics",
                reply=Reply(status=200, description="Text format", media_type="text/plain"),
                uses_backend=False,
            ),
        ),
    ),
    Route(
        path="/openapi.json",
        resource=OperationsResource,
        operations=(
            Operation(
                method="GET",
                handler=OperationsResource.openapi,
                summary="This document",
                reply=Reply(status=200, description="OpenAPI 3.1"),
                uses_backend=False,
            ),
        ),
    ),
)
