"""The route table against its handlers: each handler takes what its declaration hands it."""

import pytest
from falcon.asgi import Request, Response

from adapters.http.messages.fields import Id, Paging
from adapters.http.messages.notices import Notice, NoticeDraft
from adapters.http.routes import ROUTES
from adapters.http.routing import Auth, Operation, Route, mismatches, ok
from domain.model.identity import UserId

OPERATIONS = [(route, operation) for route in ROUTES for operation in route.operations]


@pytest.mark.parametrize(
    ("route", "operation"),
    OPERATIONS,
    ids=[f"{operation.method} {route.path}" for route, operation in OPERATIONS],
)
def test_each_handler_takes_what_its_declaration_hands_it(
    route: Route, operation: Operation
) -> None:
    assert mismatches(route, operation) == []


class Handlers:
    """Handlers for `POST /notices/{notice_id}` with a body, by a user: one that matches, and
    one of each way to depart from the declaration."""

    async def matches(
        self, req: Request, resp: Response, *, notice_id: int, body: NoticeDraft, user: UserId
    ) -> Notice:
        raise NotImplementedError

    async def wrong_type(
        self, req: Request, resp: Response, *, notice_id: str, body: NoticeDraft, user: UserId
    ) -> Notice:
        raise NotImplementedError

    async def missing_body(
        self, req: Request, resp: Response, *, notice_id: int, user: UserId
    ) -> Notice:
        raise NotImplementedError

    async def positional(
        self, req: Request, resp: Response, notice_id: int, body: NoticeDraft, user: UserId
    ) -> Notice:
        raise NotImplementedError

    async def request_twice(
        self, req: Request, resp: Request, *, notice_id: int, body: NoticeDraft, user: UserId
    ) -> Notice:
        raise NotImplementedError

    async def wrong_reply(
        self, req: Request, resp: Response, *, notice_id: int, body: NoticeDraft, user: UserId
    ) -> Paging:
        raise NotImplementedError


def declared(handler: object) -> tuple[Route, Operation]:
    operation = Operation(
        method="POST",
        handler=handler,  # type: ignore[arg-type]
        summary="s",
        reply=ok(201, "d", Notice),
        body=NoticeDraft,
        auth=Auth.USER,
    )
    route = Route(
        path="/notices/{notice_id}",
        resource=Handlers,
        params={"notice_id": Id},
        operations=(operation,),
    )
    return route, operation


def test_a_handler_that_matches_its_declaration_is_accepted() -> None:
    assert mismatches(*declared(Handlers.matches)) == []


@pytest.mark.parametrize(
    ("handler", "complaint"),
    [
        (Handlers.wrong_type, "takes notice_id: str, body: NoticeDraft"),
        (Handlers.missing_body, "its declaration gives notice_id: int, body: NoticeDraft"),
        (Handlers.positional, "must take its arguments by keyword only"),
        (Handlers.request_twice, "must take (self, req: Request, resp: Response) first"),
        (Handlers.wrong_reply, "returns"),
    ],
)
def test_a_handler_that_departs_from_its_declaration_is_named(
    handler: object, complaint: str
) -> None:
    found = mismatches(*declared(handler))

    assert len(found) == 1, found
    assert complaint in found[0]
    assert getattr(handler, "__qualname__", "") in found[0]
