"""`create_http_app`: the Falcon ASGI application of API.md, built from the route table."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import falcon.asgi
import falcon.routing
import msgspec

from adapters.http.admission import MAX_BODY_BYTES
from adapters.http.auth import Guard
from adapters.http.draining import Draining
from adapters.http.edge import ASGIApp, Edge
from adapters.http.endpoints import Endpoints
from adapters.http.messages.fields import parse_id
from adapters.http.openapi import openapi_document
from adapters.http.problems import ErrorHandler, serialize_problem
from adapters.http.resources.coupons import CouponsResource
from adapters.http.resources.events import EventsResource
from adapters.http.resources.notices import NoticesResource
from adapters.http.resources.operations import OperationsResource
from adapters.http.resources.otp import OtpResource
from adapters.http.resources.rankings import RankingsResource
from adapters.http.resources.searches import SearchesResource
from adapters.http.resources.sessions import SessionsResource
from adapters.http.resources.usage import UsageResource
from adapters.http.routes import ROUTES
from adapters.http.routing import route_template
from adapters.prometheus.metrics import Metrics
from domain.usecases.claims import ClaimCoupon
from domain.usecases.coupons import (
    CreateCouponEvent,
    ListClaims,
    ListMyCoupons,
    ShowCouponEvent,
)
from domain.usecases.events import FollowChannel, PublishEvent
from domain.usecases.notices import GetNotice, ListNotices, PostNotice
from domain.usecases.operations import CheckReadiness
from domain.usecases.otp import IssueOtp, VerifyOtp
from domain.usecases.rankings import AddScore, PutScore, ShowLeaderboard, ShowStanding
from domain.usecases.searches import RecentSearches, RecordSearch
from domain.usecases.sessions import Authenticate, EndSession
from domain.usecases.usage import RecordUsage, ShowUsage


@dataclass(frozen=True, slots=True, kw_only=True)
class UseCases:
    """Every use-case the API exposes."""

    post_notice: PostNotice
    list_notices: ListNotices
    get_notice: GetNotice
    issue_otp: IssueOtp
    verify_otp: VerifyOtp
    authenticate: Authenticate
    end_session: EndSession
    record_search: RecordSearch
    recent_searches: RecentSearches
    add_score: AddScore
    put_score: PutScore
    show_leaderboard: ShowLeaderboard
    show_standing: ShowStanding
    create_coupon_event: CreateCouponEvent
    show_coupon_event: ShowCouponEvent
    claim_coupon: ClaimCoupon
    list_claims: ListClaims
    list_my_coupons: ListMyCoupons
    publish_event: PublishEvent
    follow_channel: FollowChannel
    record_usage: RecordUsage
    show_usage: ShowUsage
    check_readiness: CheckReadiness


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpOptions:
    """Transport settings: the request deadline, the body limit, SSE keep-alive, OTP exposure,
    whether a proxy's `X-Forwarded-For` names the client."""

    deadline_seconds: float
    sse_max_stream_seconds: float
    """A stream ends after this long (0: never) and the client reconnects: spreads long-lived
    connections over instances again after a scale-out, and bounds test runs."""
    expose_otp_code: bool
    trust_forwarded_for: bool
    max_body_bytes: int = MAX_BODY_BYTES
    sse_keepalive_seconds: float = 15.0


class Lifecycle(Protocol):
    """What runs on ASGI lifespan: opening and closing the backends."""

    async def startup(self) -> None: ...

    async def shutdown(self) -> None: ...


class _Lifespan:
    """Falcon middleware forwarding lifespan events to the `Lifecycle`."""

    def __init__(self, lifecycle: Lifecycle) -> None:
        self._lifecycle = lifecycle

    async def process_startup(self, scope: dict[str, Any], event: dict[str, Any]) -> None:
        await self._lifecycle.startup()

    async def process_shutdown(self, scope: dict[str, Any], event: dict[str, Any]) -> None:
        await self._lifecycle.shutdown()


class IdConverter(falcon.routing.BaseConverter):
    """`{name:id}`: an `Id` (`parse_id`); anything else matches no route (404)."""

    def convert(self, value: str) -> int | None:
        return parse_id(value)


def create_http_app(
    usecases: UseCases,
    *,
    metrics: Metrics,
    options: HttpOptions,
    lifecycle: Lifecycle | None = None,
    draining: Draining | None = None,
) -> ASGIApp:
    """The routes of API.md on a Falcon ASGI app, wrapped in the deadline and metrics edge.
    `draining` is set by the server when it shuts down: event streams end then."""
    # NOTE: no per-request middleware: the edge refuses what must be refused before routing,
    # and each responder names its route for the metrics.
    middleware: list[Any] = [_Lifespan(lifecycle)] if lifecycle is not None else []
    app = falcon.asgi.App(middleware=middleware)
    app.req_options.keep_blank_qs_values = True  # `?limit=` is a bad limit, not a missing one
    app.router_options.converters["id"] = IdConverter
    app.set_error_serializer(serialize_problem)
    app.add_error_handler(Exception, ErrorHandler().handle)
    resources = _resources(usecases, metrics, options, draining or Draining())
    endpoints = Endpoints(Guard(usecases.authenticate), options.max_body_bytes)
    for route in ROUTES:
        app.add_route(route_template(route), endpoints.resource(route, resources[route.resource]))
    return Edge(
        app,
        deadline_seconds=options.deadline_seconds,
        metrics=metrics,
        max_body_bytes=options.max_body_bytes,
    )


def _resources(
    uc: UseCases, metrics: Metrics, options: HttpOptions, draining: Draining
) -> Mapping[type, object]:
    openapi = msgspec.json.encode(openapi_document())
    built: list[object] = [
        NoticesResource(uc.post_notice, uc.list_notices, uc.get_notice),
        OtpResource(
            uc.issue_otp,
            uc.verify_otp,
            expose_code=options.expose_otp_code,
            trust_forwarded_for=options.trust_forwarded_for,
        ),
        SessionsResource(uc.end_session),
        SearchesResource(uc.record_search, uc.recent_searches),
        RankingsResource(uc.add_score, uc.put_score, uc.show_leaderboard, uc.show_standing),
        CouponsResource(
            uc.create_coupon_event,
            uc.show_coupon_event,
            uc.claim_coupon,
            uc.list_claims,
            uc.list_my_coupons,
        ),
        EventsResource(
            uc.publish_event,
            uc.follow_channel,
            keepalive_seconds=options.sse_keepalive_seconds,
            max_stream_seconds=options.sse_max_stream_seconds,
            draining=draining,
        ),
        UsageResource(uc.record_usage, uc.show_usage),
        OperationsResource(uc.check_readiness, metrics.exposed, openapi),
    ]
    return {type(resource): resource for resource in built}
