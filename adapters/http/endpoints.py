"""Falcon resources made from the route table: each responder authenticates, validates the
path, the query, the headers and the body as declared, calls the handler, and encodes its reply.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import falcon.asgi
import msgspec

from adapters.http.auth import Guard
from adapters.http.decoding import decode_body, decode_query, invalid, path_errors
from adapters.http.edge import ROUTE_KEY
from adapters.http.messages.fields import Id
from adapters.http.messages.problems import FieldError
from adapters.http.parsing import read_body
from adapters.http.problems import HttpProblem
from adapters.http.routing import JSON, Auth, Operation, Route

Responder = Callable[..., Awaitable[None]]


class Endpoints:
    """Builds the Falcon resource of each route, for the instance of its resource class."""

    def __init__(self, guard: Guard, max_body_bytes: int) -> None:
        self._guard = guard
        self._max_body_bytes = max_body_bytes
        self._encode = msgspec.json.Encoder().encode

    def resource(self, route: Route, instance: object) -> object:
        endpoint = type(f"{type(instance).__name__}Endpoint", (), {})()
        for operation in route.operations:
            responder = self._responder(route, operation, instance)
            setattr(endpoint, f"on_{operation.method.lower()}", responder)
        return endpoint

    def _responder(self, route: Route, operation: Operation, instance: object) -> Responder:
        handler = operation.handler
        validated = {name: t for name, t in route.params.items() if t != Id}
        status = operation.reply.status
        # NOTE: /healthz and the like have nothing to check: skip the checking altogether.
        checks = bool(
            operation.auth or validated or operation.query or operation.headers or operation.body
        )
        needs_await = bool(operation.auth or operation.body)  # a token to look up, a body to read

        template = route.path

        async def respond(
            req: falcon.asgi.Request, resp: falcon.asgi.Response, **params: Any
        ) -> None:
            req.scope[ROUTE_KEY] = template
            if needs_await:
                params = await self._arguments(req, operation, validated, params)
            elif checks:
                params = self._declared(req, operation, validated, params, [])
            result = await handler(instance, req, resp, **params)
            resp.status = status
            if isinstance(result, bytes):
                resp.data = result
                resp.content_type = JSON
            elif result is not None:
                resp.data = self._encode(result)
                resp.content_type = JSON

        return respond

    async def _arguments(
        self,
        req: falcon.asgi.Request,
        operation: Operation,
        validated: Mapping[str, Any],
        params: dict[str, Any],
    ) -> dict[str, Any]:
        if operation.auth is Auth.ADMIN:
            await self._guard.admin(req)
        elif operation.auth is Auth.INGEST:
            await self._guard.ingest(req)
        elif operation.auth is Auth.USER and operation.resolves_user:
            params["user"] = await self._guard.user(req)
        body_errors: list[FieldError] = []
        if operation.body is not None:
            raw = await read_body(req, self._max_body_bytes)
            try:
                params["body"] = decode_body(raw, operation.body)
            except HttpProblem as problem:
                body_errors = _field_errors(problem)
        return self._declared(req, operation, validated, params, body_errors)

    @staticmethod
    def _declared(
        req: falcon.asgi.Request,
        operation: Operation,
        validated: Mapping[str, Any],
        params: dict[str, Any],
        body_errors: list[FieldError],
    ) -> dict[str, Any]:
        """The path, query and headers as declared; 422 listing every rule they break, then the
        body's `body_errors`."""
        errors = path_errors(params, validated) if validated else []
        if operation.query is not None:
            try:
                query = req.params if req.query_string else {}
                params["query"] = decode_query(query, operation.query)
            except HttpProblem as problem:
                errors.extend(_field_errors(problem))
        if operation.headers is not None:
            given = {
                name: value
                for field in msgspec.structs.fields(operation.headers)
                if (value := req.get_header(name := field.encode_name)) is not None
            }
            try:
                params["headers"] = decode_query(given, operation.headers)
            except HttpProblem as problem:
                errors.extend(_field_errors(problem))
        if errors or body_errors:
            raise invalid([*errors, *body_errors])
        return params


def _field_errors(problem: HttpProblem) -> list[Any]:
    if problem.errors is None:
        raise problem  # not a rule broken: 400, 413
    return problem.errors
