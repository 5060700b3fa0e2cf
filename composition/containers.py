"""Dependency-injector containers: the adapters of each profile, and the application on top.

NOTE: adapters are built without I/O, so they are plain `Singleton`s rather than `Resource`s
(an async `Resource` would hand the use-cases an awaitable until `init_resources()` ran).
What must be released on shutdown is listed in `closeables` and closed by `Backends`.
"""

import os
import random
import secrets
import socket
from collections.abc import Callable

from dependency_injector import containers, providers
from redis.asyncio import Redis

from adapters.announcer import BusAnnouncer
from adapters.http.app import HttpOptions, UseCases, create_http_app
from adapters.http.draining import Draining
from adapters.http.messages.events import bus_message
from adapters.http.messages.notices import render_page
from adapters.inmemory.cache import InMemoryCache
from adapters.inmemory.coupon_archive import InMemoryCouponArchive
from adapters.inmemory.coupon_ledger import InMemoryCouponLedger
from adapters.inmemory.event_bus import InMemoryEventBus
from adapters.inmemory.health import InMemoryProbe
from adapters.inmemory.ledger_feed import InMemoryLedgerFeed
from adapters.inmemory.lock import InMemoryLock
from adapters.inmemory.notice_repository import InMemoryNoticeRepository
from adapters.inmemory.ranking import InMemoryRanking
from adapters.inmemory.search_history import InMemorySearchHistory
from adapters.inmemory.throttle import InMemoryThrottle
from adapters.inmemory.token_store import InMemoryTokenStore
from adapters.inmemory.usage_log import InMemoryUsageLog
from adapters.prometheus.metrics import Metrics
from adapters.prometheus.notice_repository import CountingNoticeRepository
from adapters.prometheus.telemetry import PrometheusTelemetry
from adapters.redis.cache import RedisCache
from adapters.redis.client import (
    MAX_CONNECTIONS,
    Durability,
    RedisConnector,
    SentinelMaster,
    Timing,
    connect,
    connect_via_sentinel,
)
from adapters.redis.coupon_ledger import RedisCouponLedger
from adapters.redis.event_bus import RedisEventBus
from adapters.redis.health import RedisProbe
from adapters.redis.ledger_feed import RedisLedgerFeed
from adapters.redis.lock import RedisLock
from adapters.redis.ranking import RedisRanking
from adapters.redis.search_history import RedisSearchHistory
from adapters.redis.throttle import RedisThrottle
from adapters.redis.token_store import RedisTokenStore
from adapters.redis.usage_log import RedisUsageLog
from adapters.sql.coupon_archive import SqlCouponArchive
from adapters.sql.health import SqlProbe
from adapters.sql.lifecycle import SqlDatabase
from adapters.sql.notice_repository import SqlNoticeRepository
from adapters.system.clock import SystemClock
from adapters.system.secrets import SystemSecrets
from composition.lifecycle import Backends, BackgroundTask
from composition.settings import Profile, Settings
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
from ports.clock import Clock


class _ProfileAdapters(containers.DeclarativeContainer):
    """What every profile needs: the clock, the metrics, the settings."""

    clock: providers.Dependency[Clock] = providers.Dependency()
    metrics = providers.Dependency(instance_of=Metrics)
    settings = providers.Dependency(instance_of=Settings)


class MemoryAdapters(_ProfileAdapters):
    """The `memory` profile: every port in this process, notices included."""

    notices = providers.Singleton(
        CountingNoticeRepository,
        providers.Singleton(InMemoryNoticeRepository),
        _ProfileAdapters.metrics,
    )
    cache = providers.Singleton(InMemoryCache, _ProfileAdapters.clock)
    tokens = providers.Singleton(InMemoryTokenStore, _ProfileAdapters.clock)
    throttle = providers.Singleton(InMemoryThrottle, _ProfileAdapters.clock)
    search_history = providers.Singleton(InMemorySearchHistory, _ProfileAdapters.clock)
    ranking = providers.Singleton(InMemoryRanking, _ProfileAdapters.clock)
    ledger_feed = providers.Singleton(InMemoryLedgerFeed, _ProfileAdapters.clock)
    coupons = providers.Singleton(InMemoryCouponLedger, ledger_feed)
    archive = providers.Singleton(InMemoryCouponArchive)
    lock = providers.Singleton(InMemoryLock, _ProfileAdapters.clock)
    bus = providers.Singleton(InMemoryEventBus, _ProfileAdapters.clock)
    usage = providers.Singleton(InMemoryUsageLog, _ProfileAdapters.clock)
    probes = providers.Dict(memory=providers.Singleton(InMemoryProbe))
    closeables = providers.List(bus)
    startables = providers.List()


def _error_counter(metrics: Metrics, backend: str) -> Callable[[str], None]:
    counter = metrics.redis_errors if backend == "redis" else metrics.db_errors

    def count(kind: str) -> None:
        counter.labels(kind).inc()

    return count


def _memory_report(metrics: Metrics) -> Callable[[int, int], None]:
    def report(used: int, limit: int) -> None:
        metrics.redis_memory_used.set(used)
        metrics.redis_memory_max.set(limit)

    return report


def _half(seconds: float) -> float:
    return seconds / 2


def _redis_client(
    settings: Settings, max_connections: int = MAX_CONNECTIONS
) -> Redis | SentinelMaster:
    """One Redis at `REDIS_URL`, or (the `sentinel` profile) whichever the Sentinels name."""
    deadline = settings.request_deadline_seconds
    if settings.profile is Profile.SENTINEL:
        return connect_via_sentinel(
            settings.redis_sentinels,
            settings.redis_sentinel_service,
            deadline_seconds=deadline,
            max_connections=max_connections,
        )
    return connect(settings.redis_url, deadline_seconds=deadline, max_connections=max_connections)


LEDGER_CONNECTIONS = 2
"""The ledger worker's own pool: its blocking reads never hold a slot requests wait for."""


def _blocking_read_seconds(deadline_seconds: float) -> float:
    # A blocking read must end well inside the socket timeout, or the client gives up on it.
    return Timing.within(deadline_seconds).socket_timeout / 2


def _durability(settings: Settings) -> Durability:
    return Durability(
        replicas=settings.redis_wait_replicas,
        timeout_ms=Timing.within(settings.request_deadline_seconds).wait_timeout_ms,
    )


class RedisAdapters(_ProfileAdapters):
    """The `redis` and `sentinel` profiles: Redis for everything but notices, which live in
    the SQL database at `DATABASE_URL`."""

    _deadline = _ProfileAdapters.settings.provided.request_deadline_seconds
    database = providers.Singleton(
        SqlDatabase,
        _ProfileAdapters.settings.provided.database_url,
        deadline_seconds=_deadline,
        migrate=_ProfileAdapters.settings.provided.migrate,
        on_error=providers.Callable(_error_counter, _ProfileAdapters.metrics, "database"),
    )
    notices = providers.Singleton(
        CountingNoticeRepository,
        providers.Singleton(
            SqlNoticeRepository, database.provided.engine, database.provided.errors
        ),
        _ProfileAdapters.metrics,
    )
    client = providers.Singleton(_redis_client, _ProfileAdapters.settings)
    connector = providers.Singleton(
        RedisConnector,
        client,
        on_error=providers.Callable(_error_counter, _ProfileAdapters.metrics, "redis"),
        durability=providers.Callable(_durability, _ProfileAdapters.settings),
    )
    cache = providers.Singleton(RedisCache, connector)
    tokens = providers.Singleton(RedisTokenStore, connector)
    throttle = providers.Singleton(RedisThrottle, connector)
    search_history = providers.Singleton(RedisSearchHistory, connector)
    ranking = providers.Singleton(RedisRanking, connector)
    coupons = providers.Singleton(RedisCouponLedger, connector)
    ledger_connector = providers.Singleton(
        RedisConnector,
        providers.Singleton(_redis_client, _ProfileAdapters.settings, LEDGER_CONNECTIONS),
        on_error=providers.Callable(_error_counter, _ProfileAdapters.metrics, "redis"),
    )
    ledger_feed = providers.Singleton(
        RedisLedgerFeed,
        ledger_connector,
        max_block_seconds=providers.Callable(_blocking_read_seconds, _deadline),
    )
    archive = providers.Singleton(
        SqlCouponArchive, database.provided.engine, database.provided.errors
    )
    lock = providers.Singleton(RedisLock, connector)
    bus = providers.Singleton(
        RedisEventBus, connector, confirm_timeout_seconds=providers.Callable(_half, _deadline)
    )
    usage = providers.Singleton(RedisUsageLog, connector)
    probes = providers.Dict(
        redis=providers.Singleton(
            RedisProbe,
            connector,
            on_memory=providers.Callable(_memory_report, _ProfileAdapters.metrics),
        ),
        database=providers.Singleton(SqlProbe, database.provided.engine, database.provided.errors),
    )
    # NOTE: closed in reverse: the bus first.
    closeables = providers.List(database, connector, ledger_connector, bus)
    startables = providers.List(database)


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


def _enabled_cache(enabled: bool, cache: object) -> object | None:
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
    metrics = providers.Singleton(Metrics)
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
            timeout_seconds=providers.Callable(_half, deadline),
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
