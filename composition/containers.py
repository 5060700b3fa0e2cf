"""The application container: use-cases, the ledger worker and the HTTP app, over the adapters
of one profile (`composition.profiles`).

NOTE: adapters are built without I/O, so they are plain `Singleton`s rather than `Resource`s
(an async `Resource` would hand the use-cases an awaitable until `init_resources()` ran).
What must be released on shutdown is listed in `closeables` and closed by `Backends`.
"""

import os
import random
import secrets
import socket

from dependency_injector import containers, providers

from adapters.announcer import BusAnnouncer
from adapters.http.app import HttpOptions, UseCases, create_http_app
from adapters.http.draining import Draining
from adapters.http.messages.events import bus_message
from adapters.http.messages.notices import render_page
from adapters.prometheus.metrics import process_metrics
from adapters.prometheus.telemetry import PrometheusTelemetry
from adapters.system.clock import SystemClock
from adapters.system.secrets import SystemSecrets
from composition.lifecycle import Backends, BackgroundTask
from composition.profiles.base import half
from composition.settings import Settings
from domain.model.otp import CodeDigester
from domain.usecases.archiving import ArchiveIssuedCoupons, WorkerPolicy
from domain.usecases.claims import ClaimCoupon
from domain.usecases.coupons import (
    CreateCouponEvent,
    ListClaims,
    ListMyCoupons,
    LiveEvents,
    ShowCouponEvent,
)
from domain.usecases.events import FollowChannel, PublishEvent
from domain.usecases.notices import GetNotice, ListNotices, PostNotice
from domain.usecases.operations import CheckReadiness
from domain.usecases.otp import IssueOtp, VerifyOtp
from domain.usecases.rankings import AddScore, PutScore, ShowLeaderboard, ShowStanding
from domain.usecases.reconciling import ReconcileCoupons
from domain.usecases.searches import RecentSearches, RecordSearch
from domain.usecases.sessions import Authenticate, EndSession
from domain.usecases.usage import RecordUsage, ShowUsage
from ports.cache import Cache


def _consumer_name() -> str:
    """This process among the ledger workers: host, pid, and a random part (a pid is reused)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def _worker_policy(settings: Settings) -> WorkerPolicy:
    return WorkerPolicy(
        batch_size=settings.ledger_batch_size,
        reclaim_idle_seconds=settings.ledger_reclaim_idle_seconds,
    )


def _in_app_workers(settings: Settings, worker: ArchiveIssuedCoupons) -> list[BackgroundTask]:
    return [BackgroundTask(worker)] if settings.ledger_worker_in_app else []


def _enabled_cache(enabled: bool, cache: Cache) -> Cache | None:
    return cache if enabled else None


def _lock_wait_seconds(deadline_seconds: float) -> float:
    # A request cannot outlive its deadline, so neither can the critical section (the lock's
    # TTL); the wait leaves a quarter of it to answer 503 before the deadline does.
    return deadline_seconds * 0.75


class Application(containers.DeclarativeContainer):
    """Use-cases and the HTTP app, over the adapters of one profile."""

    settings = providers.Dependency(instance_of=Settings)
    admin_token = providers.Dependency(instance_of=str)
    ingest_token = providers.Dependency(instance_of=str)
    otp_secret = providers.Dependency(instance_of=bytes)
    http_options = providers.Dependency(instance_of=HttpOptions)
    metrics = providers.Singleton(process_metrics)
    clock = providers.Singleton(SystemClock)
    secrets = providers.Singleton(SystemSecrets)
    adapters = providers.DependenciesContainer()

    draw = providers.Object(random.random)
    """Uniform draws in [0, 1): the jitter of cache TTLs (tests fix it)."""
    telemetry = providers.Singleton(PrometheusTelemetry, metrics)
    announcer = providers.Singleton(BusAnnouncer, adapters.bus, providers.Object(bus_message))
    digester = providers.Singleton(CodeDigester, otp_secret)
    cache = providers.Callable(_enabled_cache, settings.provided.cache_enabled, adapters.cache)
    deadline = settings.provided.request_deadline_seconds
    live_events = providers.Singleton(LiveEvents, adapters.coupons, adapters.archive, telemetry)

    usecases = providers.Singleton(
        UseCases,
        post_notice=providers.Singleton(PostNotice, adapters.notices, cache, announcer, clock),
        list_notices=providers.Singleton(
            ListNotices,
            adapters.notices,
            cache,
            providers.Object(render_page),
            telemetry,
            policy=settings.provided.cache_policy.call(),
            draw=draw,
        ),
        get_notice=providers.Singleton(GetNotice, adapters.notices),
        issue_otp=providers.Singleton(
            IssueOtp,
            adapters.tokens,
            adapters.throttle,
            secrets,
            digester,
            settings.provided.otp_policy.call(),
        ),
        verify_otp=providers.Singleton(
            VerifyOtp,
            adapters.tokens,
            secrets,
            digester,
            telemetry,
            session_ttl_seconds=settings.provided.session_ttl_seconds,
        ),
        authenticate=providers.Singleton(
            Authenticate, adapters.tokens, admin_token=admin_token, ingest_token=ingest_token
        ),
        end_session=providers.Singleton(EndSession, adapters.tokens),
        record_search=providers.Singleton(RecordSearch, adapters.search_history),
        recent_searches=providers.Singleton(RecentSearches, adapters.search_history),
        add_score=providers.Singleton(AddScore, adapters.ranking, secrets),
        put_score=providers.Singleton(PutScore, adapters.ranking),
        show_leaderboard=providers.Singleton(ShowLeaderboard, adapters.ranking),
        show_standing=providers.Singleton(ShowStanding, adapters.ranking),
        create_coupon_event=providers.Singleton(
            CreateCouponEvent, adapters.coupons, adapters.archive
        ),
        show_coupon_event=providers.Singleton(ShowCouponEvent, live_events),
        claim_coupon=providers.Singleton(
            ClaimCoupon,
            live_events,
            adapters.coupons,
            adapters.archive,
            adapters.lock,
            announcer,
            secrets,
            telemetry,
            clock,
            lock_ttl_seconds=deadline,
            lock_wait_seconds=providers.Callable(_lock_wait_seconds, deadline),
        ),
        list_claims=providers.Singleton(ListClaims, live_events, adapters.coupons),
        list_my_coupons=providers.Singleton(ListMyCoupons, adapters.archive),
        publish_event=providers.Singleton(PublishEvent, adapters.bus),
        follow_channel=providers.Singleton(FollowChannel, adapters.bus),
        record_usage=providers.Singleton(
            RecordUsage,
            adapters.usage,
            secrets,
            retention_seconds=settings.provided.usage_retention_seconds,
        ),
        show_usage=providers.Singleton(ShowUsage, adapters.usage),
        check_readiness=providers.Singleton(
            CheckReadiness,
            adapters.probes,
            timeout_seconds=providers.Callable(half, deadline),
        ),
    )
    ledger_worker = providers.Singleton(
        ArchiveIssuedCoupons,
        adapters.ledger_feed,
        adapters.archive,
        telemetry,
        clock,
        consumer=providers.Callable(_consumer_name),
        policy=providers.Callable(_worker_policy, settings),
    )
    """The ledger worker of this process: it runs while the app serves (see `backends`),
    unless `LEDGER_WORKER_IN_APP` is off."""
    reconcile_coupons = providers.Singleton(
        ReconcileCoupons, adapters.coupons, adapters.archive, adapters.ledger_feed
    )
    backends = providers.Singleton(
        Backends,
        adapters.closeables,
        adapters.startables,
        background=providers.Callable(_in_app_workers, settings, ledger_worker),
    )
    draining = providers.Singleton(Draining)
    """Set by the server's protocol when it starts shutting down (event streams end then)."""
    http_app = providers.Singleton(
        create_http_app,
        usecases,
        metrics=metrics,
        options=http_options,
        lifecycle=backends,
        draining=draining,
    )
