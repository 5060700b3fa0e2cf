"""How an operation is declared: `@operation(method, path, reply, ...)` on the handler, whose
signature says the rest (path parameters, `query`, `body`, `headers`, `user`) and whose docstring
is its summary and description. `routes_of` gathers a resource's handlers into `Route`s, and
from a route follow the Falcon template, every status it can answer, and what the handler
receives.

The app and the OpenAPI document are both built from the routes (`adapters.http.routes`).
"""

import inspect
import re
import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final, TypeVar

import falcon.asgi
import msgspec

from adapters.http.declared import base, meta
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


H = TypeVar("H", bound=Callable[..., Awaitable[Any]])

_DECLARED: Final = "__operation__"
_PLACEHOLDER: Final = re.compile(r"{(\w+)}")
_ARGUMENTS: Final = ("query", "headers", "body")


def operation(
    method: str,
    path: str,
    reply: Reply,
    *,
    auth: Auth | None = None,
    refusals: tuple[int, ...] = (),
    uses_backend: bool = True,
    resolves_user: bool = True,
) -> Callable[[H], H]:
    """Declare the decorated handler as `method path`, answering `reply`. Its signature
    declares the rest: a keyword parameter per path placeholder (typed with its field type),
    and `query`, `headers`, `body` (Structs) and `user` as it needs them; its docstring's
    first paragraph is the summary, the rest the description."""

    def declare(handler: H) -> H:
        declared = Operation(
            method=method,
            handler=handler,
            summary="",
            reply=reply,
            auth=auth,
            refusals=refusals,
            uses_backend=uses_backend,
            resolves_user=resolves_user,
        )
        setattr(handler, _DECLARED, (path, declared))
        return handler

    return declare


def routes_of(*resources: type) -> tuple[Route, ...]:
    """The routes the resources' declared handlers serve, in the order they are declared;
    what the signature and the docstring of each handler say is read here."""
    found: dict[str, tuple[type, dict[str, Any], list[Operation]]] = {}
    for resource in resources:
        for handler in vars(resource).values():
            if not hasattr(handler, _DECLARED):
                continue
            path: str
            declared: Operation
            path, declared = getattr(handler, _DECLARED)
            hints = typing.get_type_hints(handler, include_extras=True)
            summary, _, description = inspect.cleandoc(handler.__doc__ or "").partition("\n\n")
            _, params, operations = found.setdefault(path, (resource, {}, []))
            for name in _PLACEHOLDER.findall(path):
                params.setdefault(name, hints.get(name))
            operations.append(
                replace(
                    declared,
                    summary=" ".join(summary.split()).rstrip("."),
                    description=" ".join(description.split()),
                    query=hints.get("query"),
                    headers=hints.get("headers"),
                    body=hints.get("body"),
                )
            )
    return tuple(
        Route(path=path, resource=resource, params=params, operations=tuple(operations))
        for path, (resource, params, operations) in found.items()
    )


def route_template(route: Route) -> str:
    """The Falcon URI template: `Id` parameters use the strict `id` converter."""
    template = route.path
    for name, declared in route.params.items():
        if declared == Id:
            template = template.replace(f"{{{name}}}", f"{{{name}:id}}")
    return template


def statuses(route: Route, operation: Operation) -> list[int]:
    """Every status the operation can answer, success first: what the document lists."""
    answers = {413, 415, 431, *operation.refusals}  # the body policy and the header limits
    if operation.body is not None:
        answers |= {400, 422}
    if operation.query is not None or any(t != Id for t in route.params.values()):
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
    parameters, then `query`, `headers` and `body` when declared, and `user` when the caller
    is resolved."""
    arguments = dict(route.params)
    declared = {name: getattr(operation, name) for name in _ARGUMENTS}
    arguments |= {name: kind for name, kind in declared.items() if kind is not None}
    if operation.auth is Auth.USER and operation.resolves_user:
        arguments["user"] = UserId
    return arguments


def mismatches(route: Route, operation: Operation) -> list[str]:
    """How the handler departs from what its route hands it (empty when it matches): it takes
    (self, req, resp), then by keyword exactly what `received` lists (path parameters typed
    with their field types, Structs for `query`, `headers` and `body`); it returns the
    reply's body, bytes, or None."""
    handler = operation.handler
    name = f"{operation.method} {route.path}: {handler.__qualname__}"
    hints = typing.get_type_hints(handler, include_extras=True)
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
        found.append(f"{name} takes {_listed(given)}; its route gives {_listed(expected)}")
    untyped = [
        n for n, declared in route.params.items() if declared and meta(declared) == msgspec.Meta()
    ]
    if untyped:
        found.append(f"{name}: path parameters {', '.join(untyped)} need a field type")
    for argument in _ARGUMENTS:
        kind = getattr(operation, argument)
        if kind is not None and not (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
            found.append(f"{name}: `{argument}` must be a Struct, not {kind}")
    returns = hints.get("return")
    allowed = {operation.reply.body, bytes, types.NoneType}
    if not set(typing.get_args(returns) or (returns,)) <= allowed:
        found.append(f"{name} returns {returns}, not {operation.reply.body}")
    return found


def _listed(arguments: Mapping[str, Any]) -> str:
    return ", ".join(f"{n}: {_named(t)}" for n, t in arguments.items()) or "nothing"


def _named(declared: Any) -> str:
    kind = base(declared)
    return str(getattr(kind, "__name__", kind))
