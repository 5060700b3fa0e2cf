"""The OpenAPI 3.1 document, generated from the route table and the message declarations."""

from http import HTTPStatus
from typing import Any, Final

import msgspec

from adapters.http.messages.problems import Problem, ValidationProblem
from adapters.http.routes import ROUTES
from adapters.http.routing import Auth, Header, Operation, Reply, Route, statuses

Json = dict[str, Any]
REF: Final = "#/components/schemas/{name}"

_HEADERS: Final[dict[str, Json]] = {
    Header.LOCATION: {"description": "Where the new resource is", "schema": {"type": "string"}},
    Header.X_CACHE: {
        "description": "How the page was served: from the cache, after a miss, or past a "
        "disabled or unreachable cache",
        "schema": {"enum": ["HIT", "MISS", "BYPASS"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}},
}
_PROBLEM_HEADERS: Final = {401: "WWW-Authenticate", 429: "Retry-After", 503: "Retry-After"}
_DETAILS: Final = {
    400: "Malformed JSON (a repeated member, a lone surrogate, too deep), or no body",
    401: "Missing or invalid bearer token (on `/otp/verify`: a wrong code, with `attempts_left`)",
    403: "A user token on an administrator endpoint",
    404: "Nothing there",
    409: "A coupon of this event is already held by this user (`coupon_id` names it); under "
    "`naive`, without `coupon_id`: the race handed this user a number another user holds",
    410: "Every coupon of this event is issued",
    413: "A body larger than 64 KiB",
    415: "A body that is not JSON",
    422: "Well-formed input that breaks the rules; `errors` lists each",
    429: "Too many codes issued; see `Retry-After`",
    431: "More than 100 header fields, or more than 16 KiB of them",
    503: "A backend is unavailable, or the deadline passed; see `Retry-After`",
}


def openapi_document() -> Json:
    """The whole document (a test validates it against the OpenAPI 3.1 schema)."""
    bodies = {Problem, ValidationProblem}
    for route in ROUTES:
        for operation in route.operations:
            bodies |= {t for t in (operation.body, operation.reply.body) if t is not None}
    _, components = msgspec.json.schema_components(
        sorted(bodies, key=lambda t: t.__name__), ref_template=REF
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "redis-practice",
            "version": "1.2.0",
            "description": "Redis patterns done right: cache-aside, volatile state, concurrency "
            "control, Pub/Sub and high availability. Errors are RFC 9457 problem documents.",
        },
        "paths": {route.path: _path_item(route) for route in ROUTES},
        "components": {
            "schemas": components,
            "securitySchemes": {
                Auth.USER.value: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The session token from POST /otp/verify",
                },
                Auth.ADMIN.value: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The ADMIN_TOKEN",
                },
                Auth.INGEST.value: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The INGEST_TOKEN (the ADMIN_TOKEN is accepted too)",
                },
            },
        },
    }


def _path_item(route: Route) -> Json:
    return {
        operation.method.lower(): _operation(route, operation) for operation in route.operations
    }


def _operation(route: Route, operation: Operation) -> Json:
    success, *errors = statuses(route, operation)
    document: Json = {
        "operationId": operation.handler.__qualname__.replace("Resource.", "."),
        "summary": operation.summary,
        **({"description": operation.description} if operation.description else {}),
        "responses": {
            str(success): _reply(operation.reply),
            **{str(status): _problem(status) for status in errors},
        },
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": msgspec.json.schema(declared)}
        for name, declared in route.params.items()
    ]
    for place, declared in (("query", operation.query), ("header", operation.headers)):
        if declared is not None:
            parameters += [
                {
                    "name": field.encode_name,
                    "in": place,
                    "required": field.required,
                    "schema": msgspec.json.schema(field.type)
                    | ({} if field.required else {"default": field.default}),
                }
                for field in msgspec.structs.fields(declared)
            ]
    if parameters:
        document["parameters"] = parameters
    if operation.body is not None:
        document["requestBody"] = {"required": True, "content": _content(operation.body)}
    if operation.auth is Auth.INGEST:
        document["security"] = [{Auth.INGEST.value: []}, {Auth.ADMIN.value: []}]
    elif operation.auth is not None:
        document["security"] = [{operation.auth.value: []}]
    return document


def _reply(reply: Reply) -> Json:
    response: Json = {"description": reply.description}
    if reply.media_type == "application/json":
        schema = _ref(reply.body) if reply.body is not None else {"type": "object"}
        response["content"] = {reply.media_type: {"schema": schema}}
    elif reply.media_type is not None:
        # NOTE: for a stream (`text/event-stream`), `body` is one event (OpenAPI 3.2 calls it
        # `itemSchema`; 3.1 tools such as Schemathesis read `schema` so).
        schema = _ref(reply.body) if reply.body is not None else {"type": "string"}
        response["content"] = {reply.media_type: {"schema": schema}}
    if reply.headers:
        response["headers"] = {name: _header(name) for name in reply.headers}
    return response


def _problem(status: int) -> Json:
    schema = ValidationProblem if status == 422 else Problem
    response: Json = {
        "description": _DETAILS.get(status, HTTPStatus(status).phrase),
        "content": {"application/problem+json": {"schema": _ref(schema)}},
    }
    header = _PROBLEM_HEADERS.get(status)
    if header is not None:
        response["headers"] = {header: _header(header)}
    return response


def _header(name: str) -> Json:
    return {**_HEADERS[name], "required": True}


def _content(body: type[msgspec.Struct]) -> Json:
    return {"application/json": {"schema": _ref(body)}}


def _ref(body: type[msgspec.Struct]) -> Json:
    return {"$ref": REF.format(name=body.__name__)}
