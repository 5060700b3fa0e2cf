"""The OpenAPI 3.1 document of API.md, served at `/openapi.json` (a test keeps it and the routes
in agreement)."""

from adapters.http.openapi.parts import Json
from adapters.http.openapi.paths import paths
from adapters.http.openapi.schemas import schemas


def openapi_document() -> Json:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "redis-practice",
            "version": "1.0.0",
            "description": "Redis patterns done right: cache-aside, volatile state, concurrency "
            "control, Pub/Sub and high availability. Errors are RFC 9457 problem documents.",
        },
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "user": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Session token from POST /otp/verify",
                },
                "admin": {"type": "http", "scheme": "bearer", "description": "The ADMIN_TOKEN"},
            },
        },
    }
