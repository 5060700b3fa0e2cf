"""`create_http_app`: the Falcon ASGI application of API.md, given its use-cases."""

from dataclasses import dataclass
from typing import Any, Protocol

import falcon.asgi
import orjson

from adapters.http.auth import Guard
from adapters.http.edge import ASGIApp, Edge, RouteLabel
from adapters.http.openapi import openapi_document
from adapters.http.problems import ErrorHandler, serialize_problem
from adapters.http.requests import MAX_BODY_BYTES, BodyPolicy
from adapters.http.resources.coupons import CouponEventsResource
from adapters.http.resources.events import EventsResource
from adapters.http.resources.notices import NoticesResource
from adapters.http.resources.operations import OperationsResource
from adapters.http.resources.otp import OtpResource, SearchesResource, SessionResource
from adapters.http.resources.rankings import RankingsResource
from adapters.http.resources.usage import UsageResource
from adapters.prometheus.metrics import Metrics
from domain.usecases.coupons import ClaimCoupon, CreateCouponEvent, ListClaims, ShowCouponEvent
from domain.usecases.events import FollowChannel, PublishEvent
from domain.usecases.health import CheckReadiness
from domain.usecases.notices import GetNotice, ListNotices, PostNotice
from domain.usecases.otp import IssueOtp, VerifyOtp
from domain.usecases.ranking import AddScore, PutScore, ShowLeaderboard, ShowStanding
from domain.usecases.search import RecentSearches, RecordSearch
from domain.usecases.sessions import Authenticate, EndSession
from domain.usecases.usage import RecordUsage, ShowUsage

ID = "{event_id:int(min=1)}"


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
    publish_event: PublishEvent
    follow_channel: FollowChannel
    record_usage: RecordUsage
    show_usage: ShowUsage
    check_readiness: CheckReadiness


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpOptions:
    """Transport settings: the request deadline, the body limit, SSE keep-alive, OTP exposure."""

    deadline_seconds: float = 2.0
    max_body_bytes: int = MAX_BODY_BYTES
    sse_keepalive_seconds: float = 15.0
    expose_otp_code: bool = False


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


def create_http_app(
    usecases: UseCases,
    *,
    metrics: Metrics,
    options: HttpOptions,
    lifecycle: Lifecycle | None = None,
) -> ASGIApp:
    """The routes of API.md on a Falcon ASGI app, wrapped in the deadline and metrics edge."""
    middleware: list[Any] = [BodyPolicy(options.max_body_bytes), RouteLabel()]
    if lifecycle is not None:
        middleware.insert(0, _Lifespan(lifecycle))
    app = falcon.asgi.App(middleware=middleware)
    app.req_options.keep_blank_qs_values = True  # `?limit=` is a bad limit, not a missing one
    app.set_error_serializer(serialize_problem)
    app.add_error_handler(Exception, ErrorHandler().handle)
    _add_routes(app, usecases, metrics, options)
    return Edge(app, deadline_seconds=options.deadline_seconds, metrics=metrics)


def _add_routes(
    app: "falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response]",
    uc: UseCases,
    metrics: Metrics,
    options: HttpOptions,
) -> None:
    guard = Guard(uc.authenticate)

    notices = NoticesResource(guard, uc.post_notice, uc.list_notices, uc.get_notice)
    app.add_route("/notices", notices)
    app.add_route("/notices/{notice_id:int(min=1)}", notices, suffix="notice")

    otp = OtpResource(uc.issue_otp, uc.verify_otp, expose_code=options.expose_otp_code)
    app.add_route("/otp", otp)
    app.add_route("/otp/verify", otp, suffix="verify")
    app.add_route("/sessions/current", SessionResource(uc.end_session))
    app.add_route("/me/searches", SearchesResource(guard, uc.record_search, uc.recent_searches))

    rankings = RankingsResource(
        guard, uc.add_score, uc.put_score, uc.show_leaderboard, uc.show_standing
    )
    app.add_route("/rankings/{board}", rankings)
    app.add_route("/rankings/{board}/scores", rankings, suffix="scores")
    app.add_route("/rankings/{board}/members/{member}", rankings, suffix="member")

    coupons = CouponEventsResource(
        guard, uc.create_coupon_event, uc.show_coupon_event, uc.claim_coupon, uc.list_claims
    )
    app.add_route("/coupon-events", coupons)
    app.add_route(f"/coupon-events/{ID}", coupons, suffix="event")
    app.add_route(f"/coupon-events/{ID}/claims", coupons, suffix="claims")

    events = EventsResource(
        guard, uc.publish_event, uc.follow_channel, keepalive_seconds=options.sse_keepalive_seconds
    )
    app.add_route("/events/stream", events, suffix="stream")
    app.add_route("/events/{channel}", events, suffix="channel")

    usage = UsageResource(uc.record_usage, uc.show_usage)
    app.add_route("/usage", usage)
    app.add_route("/usage/{source}", usage, suffix="source")

    operations = OperationsResource(
        uc.check_readiness, metrics.registry, orjson.dumps(openapi_document())
    )
    app.add_route("/healthz", operations, suffix="health")
    app.add_route("/readyz", operations, suffix="ready")
    app.add_route("/metrics", operations, suffix="metrics")
    app.add_route("/openapi.json", operations, suffix="openapi")
