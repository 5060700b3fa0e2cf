"""`/healthz`, `/readyz`, `/metrics`, `/openapi.json`: what operators and tools read."""

from typing import Final

from falcon.asgi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from adapters.http.messages.operations import Health, Readiness
from adapters.http.problems import unavailable
from adapters.http.routing import Reply, ok, operation
from domain.usecases.operations import CheckReadiness

HEALTHY: Final = b'{"status":"ok"}'
TEXT_FORMAT: Final = Reply(status=200, description="Text format", media_type="text/plain")
DOCUMENT: Final = Reply(status=200, description="OpenAPI 3.1")


class OperationsResource:
    """Liveness without I/O, readiness with a probe of every backend, metrics, the API spec."""

    def __init__(
        self, readiness: CheckReadiness, registry: CollectorRegistry, openapi: bytes
    ) -> None:
        self._readiness = readiness
        self._registry = registry
        self._openapi = openapi

    @operation("GET", "/healthz", ok(200, "Alive", Health), uses_backend=False)
    async def health(self, req: Request, resp: Response) -> bytes:
        """Liveness, without I/O."""
        return HEALTHY

    @operation("GET", "/readyz", ok(200, "Ready", Readiness))
    async def ready(self, req: Request, resp: Response) -> Readiness:
        """Readiness: every backend answers."""
        readiness = await self._readiness()
        if not readiness.ready:
            raise unavailable("a backend is not ready", checks=readiness.checks)
        return Readiness("ready", readiness.checks)

    @operation("GET", "/metrics", TEXT_FORMAT, uses_backend=False)
    async def metrics(self, req: Request, resp: Response) -> None:
        """Prometheus metrics."""
        # NOTE: the probes first (each bounded by its timeout, failures only reported): what
        # they measure, such as Redis's memory, is as of this scrape.
        await self._readiness()
        resp.data = generate_latest(self._registry)
        resp.content_type = CONTENT_TYPE_LATEST

    @operation("GET", "/openapi.json", DOCUMENT, uses_backend=False)
    async def openapi(self, req: Request, resp: Response) -> bytes:
        """This document."""
        return self._openapi
