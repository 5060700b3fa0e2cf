"""The route table against its handlers: each handler takes what its route hands it, and the
table is what the handlers declare."""

import pytest
from falcon.asgi import Request, Response

from adapters.http.messages.fields import Id, Paging
from adapters.http.messages.notices import Notice, NoticeDraft
from adapters.http.resources.coupons import CouponsResource
from adapters.http.routes import ROUTES
from adapters.http.routing import Auth, Operation, Route, ok, operation, routes_of
from adapters.http.routing import mismatches as mismatches_of
from domain.model.identity import UserId

OPERATIONS = [(route, operation) for route in ROUTES for operation in route.operations]
CLAIM = ok(201, "Claimed", Notice)


@pytest.mark.parametrize(
    ("route", "declared"),
    OPERATIONS,
    ids=[f"{declared.method} {route.path}" for route, declared in OPERATIONS],
)
def test_each_handler_takes_what_its_route_hands_it(route: Route, declared: Operation) -> None:
    assert mismatches_of(route, declared) == []


def test_the_table_is_what_the_handlers_declare() -> None:
    [claims] = [route for route in routes_of(CouponsResource) if route.path.endswith("/claims")]

    assert claims.resource is CouponsResource
    assert claims.params == {"event_id": Id}
    assert [(o.method, o.auth, o.query, o.body) for o in claims.operations] == [
        ("POST", Auth.USER, None, None),
        ("GET", Auth.ADMIN, Paging, None),
    ]
    assert claims.operations[0].summary == "Claim one coupon for the caller"
    assert claims.operations[0].description.startswith("Durable: a 201, or a 409 carrying")


class Departures:
    """`POST /events/{event_id}/claims` by a user, with a body, answered 201 with a Notice:
    one handler that matches, and one of each way to depart from the route."""

    @operation("POST", "/a/{event_id}/claims", CLAIM, auth=Auth.USER)
    async def matches(
        self, req: Request, resp: Response, *, event_id: Id, user: UserId, body: NoticeDraft
    ) -> Notice:
        raise NotImplementedError

    @operation("POST", "/b/{event_id}/claims", CLAIM, auth=Auth.USER)
    async def renamed(
        self, req: Request, resp: Response, *, event: Id, user: UserId, body: NoticeDraft
    ) -> Notice:
        raise NotImplementedError

    @operation("POST", "/c/{event_id}/claims", CLAIM, auth=Auth.USER)
    async def no_user(self, req: Request, resp: Response, *, event_id: Id) -> Notice:
        raise NotImplementedError

    @operation("POST", "/d/{event_id}/claims", CLAIM)
    async def user_unauthenticated(
        self, req: Request, resp: Response, *, event_id: Id, user: UserId
    ) -> Notice:
        raise NotImplementedError

    @operation("POST", "/e/{event_id}/claims", CLAIM, auth=Auth.USER)
    async def untyped(self, req: Request, resp: Response, *, event_id: int, user: UserId) -> Notice:
        raise NotImplementedError

    @operation("POST", "/f/{event_id}/claims", CLAIM, auth=Auth.USER)
    async def positional(self, req: Request, resp: Response, event_id: Id, user: UserId) -> Notice:
        raise NotImplementedError

    @operation("POST", "/g/{event_id}/claims", CLAIM, auth=Auth.USER)
    async def request_twice(
        self, req: Request, resp: Request, *, event_id: Id, user: UserId
    ) -> Notice:
        raise NotImplementedError

    @operation("POST", "/h/{event_id}/claims", CLAIM, auth=Auth.USER)
    async def body_not_a_struct(
        self, req: Request, resp: Response, *, event_id: Id, user: UserId, body: dict[str, int]
    ) -> Notice:
        raise NotImplementedError

    @operation("POST", "/i/{event_id}/claims", CLAIM, auth=Auth.USER)
    async def wrong_reply(
        self, req: Request, resp: Response, *, event_id: Id, user: UserId
    ) -> Paging:
        raise NotImplementedError


def mismatches(handler: str) -> list[str]:
    [route] = [r for r in routes_of(Departures) if r.operations[0].handler.__name__ == handler]
    return mismatches_of(route, route.operations[0])


def test_a_handler_that_matches_its_route_is_accepted() -> None:
    assert mismatches("matches") == []


@pytest.mark.parametrize(
    ("handler", "complaint"),
    [
        ("renamed", "takes event: int, user: UserId, body: NoticeDraft; its route gives event_id"),
        ("no_user", "takes event_id: int; its route gives event_id: int, user: UserId"),
        ("user_unauthenticated", "takes event_id: int, user: UserId; its route gives event_id"),
        ("untyped", "path parameters event_id need a field type"),
        ("positional", "must take its arguments by keyword only"),
        ("request_twice", "must take (self, req: Request, resp: Response) first"),
        ("body_not_a_struct", "`body` must be a Struct"),
        ("wrong_reply", "returns"),
    ],
)
def test_a_handler_that_departs_from_its_route_is_named(handler: str, complaint: str) -> None:
    found = mismatches(handler)

    assert len(found) == 1, found
    assert complaint in found[0]
    assert f"Departures.{handler}" in found[0]
