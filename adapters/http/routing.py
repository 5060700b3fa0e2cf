"""How a route is declared (`Route`, `Operation`, `Reply`), and what follows from a declaration:
the Falcon template, every status the operation can answer, and what its handler receives.

Each feature declares its routes beside its resource (`adapters.http.resources`); the app and
the OpenAPI document are both built from those declarations (`adapters.http.routes`).
"""

import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import falcon.asgi
import msgspec

from adapters.http.declared import base
from adapters.http.messages.fields import Id
from domain.model.identity import UserId

JSON: Final = "application/json"


class Auth(StrEnum):
    """Who may call: a user's session token, the administrator token, or the ingestion token
    (the administrator token works there too)."""

    USER = "user"
    ADMIN = "admin"
    INGEST = "ingest"


class Header(StrEnum):
    """Response headers the document promises."""

    LOCATION = "Location"
    X_CACHE = "X-Cache"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """The success answer: its status, what it carries, and its headers."""

    status: int
    description: str
    body: type[msgspec.Struct] | None = None
    media_type: str | None = JSON
    headers: tuple[Header, ...] = ()


def ok(status: int, description: str, body: type[msgspec.Struct], *headers: Header) -> Reply:
    """A JSON reply carrying `body`."""
    return Reply(status=status, description=description, body=body, headers=headers)


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One method on one path. `handler` is a method of the route's resource: it is called with
    the request, the response and, by keyword, what `received` lists, all validated. It
    returns a Struct (encoded as JSON), bytes (JSON already encoded), or None (it wrote the
    response itself)."""

    method: str
    handler: Callable[..., Awaitable[Any]]
    summary: str
    reply: Reply
    description: str = ""
    body: type[msgspec.Struct] | None = None
    query: type[msgspec.Struct] | None = None
    headers: type[msgspec.Struct] | None = None
    """Request headers the handler reads, declared like a query (each field's name is the
    header's); handed to it as `headers`."""
    auth: Auth | None = None
    refusals: tuple[int, ...] = ()
    """Domain outcomes besides success: 401 (a wrong code), 404, 409, 410, 429."""
    uses_backend: bool = True
    """Whether a backend takes part (then it can answer 503)."""
    resolves_user: bool = True
    """With `auth=USER`: whether the caller is resolved before the handler runs and handed to
    it as `user`. Logging out presents the token itself instead (one round trip, not two)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """A path (OpenAPI template), the resource class serving it, and its operations."""

    path: str
    resource: type
    operations: tuple[Operation, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    """Path parameter -> declared type. `Id` parameters are matched by the router (anything
    else is 404); the others are validated like any field (422)."""


def route_template(route: Route) -> str:
    """The Falcon URI template: `Id` parameters use the strict `id` converter."""
    template = route.path
    for name, declared in route.params.items():
        if declared is Id:
            template = template.replace(f"{{{name}}}", f"{{{name}:id}}")
    return template


def statuses(route: Route, operation: Operation) -> list[int]:
    """Every status the operation can answer, success first: what the document lists."""
    answers = {413, 415, 431, *operation.refusals}  # the body policy and the header limits
    if operation.body is not None:
        answers |= {400, 422}
    if operation.query is not None or any(t is not Id for t in route.params.values()):
        answers.add(422)
    if Id in route.params.values():
        answers.add(404)
    if operation.auth is not None:
        answers.add(401)
    if operation.auth is Auth.ADMIN:
        answers.add(403)
    if operation.uses_backend:
        answers.add(503)
    return [operation.reply.status, *sorted(answers)]


def received(route: Route, operation: Operation) -> dict[str, Any]:
    """The keyword arguments the handler is called with, and their types: the path
    parameters, then `query`, `headers`, `body` and `user` when declared."""
    arguments = {name: base(declared) for name, declared in route.params.items()}
    declared = {"query": operation.query, "headers": operation.headers, "body": operation.body}
    arguments |= {name: kind for name, kind in declared.items() if kind is not None}
    if operation.auth is Auth.USER and operation.resolves_user:
        arguments["user"] = UserId
    return arguments


def mismatches(route: Route, operation: Operation) -> list[str]:
    """How the handler's signature departs from the declaration (empty when it matches): its
    keyword-only parameters and their types are what `received` lists, and it returns the
    reply's body, bytes, or None."""
    handler = operation.handler
    name = f"{operation.method} {route.path}: {handler.__qualname__}"
    hints = typing.get_type_hints(handler)
    parameters = list(inspect.signature(handler).parameters.values())
    first, keywords = [(p.name, hints.get(p.name)) for p in parameters[:3]], parameters[3:]
    found: list[str] = []
    if first != [("self", None), ("req", falcon.asgi.Request), ("resp", falcon.asgi.Response)]:
        found.append(f"{name} must take (self, req: Request, resp: Response) first")
    if any(p.kind is not p.KEYWORD_ONLY for p in keywords):
        found.append(f"{name} must take its arguments by keyword only")
    given = {p.name: hints.get(p.name) for p in keywords}
    expected = received(route, operation)
    if given != expected:
        found.append(f"{name} takes {_listed(given)}; its declaration gives {_listed(expected)}")
    returns = hints.get("return")
    allowed = {operation.reply.body, bytes, types.NoneType}
    if not set(typing.get_args(returns) or (returns,)) <= allowed:
        found.append(f"{name} returns {returns}, not {operation.reply.body}")
    return found


def _listed(arguments: Mapping[str, Any]) -> str:
    return ", ".join(f"{n}: {getattr(t, '__name__', t)}" for n, t in arguments.items()) or "none"
