"""The route table: every path, method, body, query, reply, refusal and credential of the API.

The app is built from it (authentication, validation, encoding, status) and so is the OpenAPI
document: what the document says is what the server does.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import msgspec

from adapters.http.messages import (
    coupons,
    events,
    notices,
    operations,
    otp,
    rankings,
    searches,
    sessions,
    usage,
)
from adapters.http.messages.fields import Id, Member, Name
from adapters.http.resources.coupons import CouponsResource
from adapters.http.resources.events import EventsResource
from adapters.http.resources.notices import NoticesResource
from adapters.http.resources.operations import OperationsResource
from adapters.http.resources.otp import OtpResource
from adapters.http.resources.rankings import RankingsResource
from adapters.http.resources.searches import SearchesResource
from adapters.http.resources.sessions import SessionsResource
from adapters.http.resources.usage import UsageResource

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One method on one path. `handler` is a method of the route's resource: it is called with
    the request, the response and, by keyword, the path parameters, `query`, `body` and `user`
    its declaration asks for, all validated. It returns a Struct (encoded as JSON), bytes
    (JSON already encoded), or None (it wrote the response itself)."""

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


def _ok(
    status: int, description: str, body: type[msgspec.Struct] | None, *headers: Header
) -> Reply:
    return Reply(status=status, description=description, body=body, headers=headers)


Paging = notices.Paging

ROUTES: Final = (
    Route(
        path="/notices",
        resource=NoticesResource,
        operations=(
            Operation(
                method="GET",
                handler=NoticesResource.list_page,
                summary="List notices, newest first, through the cache",
                reply=_ok(200, "A page", notices.NoticePage, Header.X_CACHE),
                query=Paging,
            ),
            Operation(
                method="POST",
                handler=NoticesResource.post,
                summary="Post a notice; invalidates every cached page",
                reply=_ok(201, "Posted", notices.Notice, Header.LOCATION),
                body=notices.NoticeDraft,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/notices/{notice_id}",
        resource=NoticesResource,
        params={"notice_id": Id},
        operations=(
            Operation(
                method="GET",
                handler=NoticesResource.get,
                summary="One notice",
                reply=_ok(200, "The notice", notices.Notice),
            ),
        ),
    ),
    Route(
        path="/otp",
        resource=OtpResource,
        operations=(
            Operation(
                method="POST",
                handler=OtpResource.issue,
                summary="Issue a 6-digit code (replaces the previous one)",
                reply=_ok(201, "Issued", otp.OtpIssued),
                body=otp.OtpRequest,
                refusals=(429,),
            ),
        ),
    ),
    Route(
        path="/otp/verify",
        resource=OtpResource,
        operations=(
            Operation(
                method="POST",
                handler=OtpResource.verify,
                summary="Verify a code; consumes it and opens a session",
                reply=_ok(200, "Verified", sessions.Session),
                body=otp.OtpVerification,
                refusals=(401, 404),
            ),
        ),
    ),
    Route(
        path="/sessions/current",
        resource=SessionsResource,
        operations=(
            Operation(
                method="DELETE",
                handler=SessionsResource.end,
                summary="End the caller's session",
                reply=Reply(status=204, description="Ended", media_type=None),
                auth=Auth.USER,
                resolves_user=False,
            ),
        ),
    ),
    Route(
        path="/me/searches",
        resource=SearchesResource,
        operations=(
            Operation(
                method="GET",
                handler=SearchesResource.recent,
                summary="The caller's latest 5 distinct terms",
                reply=_ok(200, "Terms", searches.SearchTerms),
                auth=Auth.USER,
            ),
            Operation(
                method="POST",
                handler=SearchesResource.record,
                summary="Record a search term",
                reply=_ok(201, "Terms after recording", searches.SearchTerms),
                body=searches.SearchTerm,
                auth=Auth.USER,
            ),
        ),
    ),
    Route(
        path="/rankings/{board}",
        resource=RankingsResource,
        params={"board": Name},
        operations=(
            Operation(
                method="GET",
                handler=RankingsResource.board,
                summary="A leaderboard page, highest first, with competition ranks",
                reply=_ok(200, "The page", rankings.Leaderboard),
                query=rankings.RankingPaging,
            ),
        ),
    ),
    Route(
        path="/rankings/{board}/scores",
        resource=RankingsResource,
        params={"board": Name},
        operations=(
            Operation(
                method="POST",
                handler=RankingsResource.add,
                summary="Add a delta to a member's score",
                reply=_ok(200, "The new standing", rankings.Standing),
                body=rankings.ScoreDelta,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/rankings/{board}/members/{member}",
        resource=RankingsResource,
        params={"board": Name, "member": Member},
        operations=(
            Operation(
                method="GET",
                handler=RankingsResource.standing,
                summary="A member's score and rank",
                reply=_ok(200, "The standing", rankings.Standing),
                refusals=(404,),
            ),
            Operation(
                method="PUT",
                handler=RankingsResource.put,
                summary="Set a member's score",
                reply=_ok(200, "The new standing", rankings.Standing),
                body=rankings.Score,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/coupon-events",
        resource=CouponsResource,
        operations=(
            Operation(
                method="POST",
                handler=CouponsResource.create,
                summary="Open a coupon event",
                reply=_ok(201, "Opened", coupons.CouponEvent, Header.LOCATION),
                body=coupons.CouponEventDraft,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/coupon-events/{event_id}",
        resource=CouponsResource,
        params={"event_id": Id},
        operations=(
            Operation(
                method="GET",
                handler=CouponsResource.show,
                summary="An event with its issued count",
                reply=_ok(200, "The event", coupons.CouponEvent),
            ),
        ),
    ),
    Route(
        path="/coupon-events/{event_id}/claims",
        resource=CouponsResource,
        params={"event_id": Id},
        operations=(
            Operation(
                method="POST",
                handler=CouponsResource.claim,
                summary="Claim one coupon for the caller",
                description="Durable: a 201, or a 409 carrying a `coupon_id`, is sent only "
                "once the archive (SQL) holds that coupon; with the archive unreachable a "
                "winning claim answers 503, and retrying it names the coupon once archived. "
                "Retry-safe: a claim by a user who holds a coupon of the event answers 409 "
                "with that `coupon_id`, so a client whose 201 was lost learns its coupon by "
                "claiming again. Under the `naive` strategy a 409 without a `coupon_id` means "
                "the race handed this user a number another user holds (the archive refused "
                "it).",
                reply=_ok(201, "Claimed", coupons.Coupon),
                auth=Auth.USER,
                refusals=(409, 410),
            ),
            Operation(
                method="GET",
                handler=CouponsResource.claims,
                summary="The event's coupons in claim order",
                reply=_ok(200, "A page", coupons.Claims),
                query=Paging,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/me/coupons",
        resource=CouponsResource,
        operations=(
            Operation(
                method="GET",
                handler=CouponsResource.mine,
                summary="The caller's coupons, newest claim first",
                description="From the archive (the durable ledger), which holds every coupon "
                "a claim was answered with: read-your-writes, on any instance.",
                reply=_ok(200, "The caller's coupons", coupons.MyCoupons),
                auth=Auth.USER,
            ),
        ),
    ),
    Route(
        path="/events/stream",
        resource=EventsResource,
        operations=(
            Operation(
                method="GET",
                handler=EventsResource.stream,
                summary="Follow a channel as Server-Sent Events",
                reply=Reply(
                    status=200,
                    description="`retry:` first; then `id: <id>`, `event: <type>` and "
                    "`data: <json>` per message (with `Last-Event-ID`, first the kept messages "
                    "after it, or `event: reset` if they are gone); a comment line as "
                    "keep-alive",
                    body=events.StreamEvent,
                    media_type="text/event-stream",
                ),
                query=events.StreamQuery,
                headers=events.StreamHeaders,
            ),
            Operation(
                method="POST",
                handler=EventsResource.publish_on_stream,
                summary="Publish on the channel named `stream`",
                reply=_ok(202, "Published", events.Published),
                body=events.EventMessage,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/events/{channel}",
        resource=EventsResource,
        params={"channel": Name},
        operations=(
            Operation(
                method="POST",
                handler=EventsResource.publish,
                summary="Publish a message on a channel",
                reply=_ok(202, "Published", events.Published),
                body=events.EventMessage,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/usage",
        resource=UsageResource,
        operations=(
            Operation(
                method="POST",
                handler=UsageResource.append,
                summary="Ingest a usage record; 202 only once the store acknowledged it",
                description="A source's data expires USAGE_RETENTION_SECONDS after its last "
                "record.",
                reply=_ok(202, "Stored", usage.UsageAccepted),
                body=usage.UsageRecord,
                auth=Auth.INGEST,
            ),
        ),
    ),
    Route(
        path="/usage/{source}",
        resource=UsageResource,
        params={"source": Name},
        operations=(
            Operation(
                method="GET",
                handler=UsageResource.stats,
                summary="What a source sent",
                reply=_ok(200, "Counts", usage.UsageStats),
            ),
        ),
    ),
    Route(
        path="/healthz",
        resource=OperationsResource,
        operations=(
            Operation(
                method="GET",
                handler=OperationsResource.health,
                summary="Liveness, without I/O",
                reply=_ok(200, "Alive", operations.Health),
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
                reply=_ok(200, "Ready", operations.Readiness),
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
