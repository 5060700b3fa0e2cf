"""The `redis` profile: one Redis at `REDIS_URL` for every port but notices and the coupon
archive, which live in SQL (`DATABASE_URL`)."""

from collections.abc import Callable

from dependency_injector import providers
from redis.asyncio import Redis

from adapters.prometheus.metrics import Metrics
from adapters.prometheus.notice_repository import CountingNoticeRepository
from adapters.redis.cache import RedisCache
from adapters.redis.client import (
    MAX_CONNECTIONS,
    ClusterClients,
    RedisConnector,
    SentinelMaster,
    Timing,
    connect,
)
from adapters.redis.coupon_ledger import RedisCouponLedger
from adapters.redis.event_bus import RedisEventBus
from adapters.redis.health import RedisProbe
from adapters.redis.ledger_feed import RedisLedgerFeed
from adapters.redis.lock import RedisLock
from adapters.redis.near_cache import NearCache, Report, tracked
from adapters.redis.ranking import RedisRanking
from adapters.redis.scripts import Durability
from adapters.redis.search_history import RedisSearchHistory
from adapters.redis.throttle import RedisThrottle
from adapters.redis.token_store import RedisTokenStore
from adapters.redis.usage_log import RedisUsageLog
from adapters.sql.coupon_archive import SqlCouponArchive
from adapters.sql.health import SqlProbe
from adapters.sql.lifecycle import SqlDatabase
from adapters.sql.notice_repository import SqlNoticeRepository
from composition.profiles.base import ProfileAdapters, counting, half
from composition.settings import Settings

Connect = Callable[[Settings, int], Redis | SentinelMaster | ClusterClients]
"""A Redis client for the settings, on a pool of at most that many connections (no I/O)."""


def redis_client(settings: Settings, max_connections: int) -> Redis:
    """One Redis at `REDIS_URL`."""
    return connect(
        settings.redis_url,
        deadline_seconds=settings.request_deadline_seconds,
        max_connections=max_connections,
    )


def _connected(
    how: Connect, settings: Settings, max_connections: int
) -> Redis | SentinelMaster | ClusterClients:
    return how(settings, max_connections)


def _memory_report(metrics: Metrics) -> Callable[[int, int], None]:
    def report(used: int, limit: int) -> None:
        metrics.redis_memory_used.set(used)
        metrics.redis_memory_max.set(limit)

    return report


def _page_cache(
    connector: RedisConnector, settings: Settings, metrics: Metrics
) -> RedisCache | NearCache:
    """The Redis page cache, behind a near cache in each process with NEAR_CACHE."""
    pages = RedisCache(connector)
    if not settings.near_cache:
        return pages
    return NearCache(
        pages,
        tracked(connector),
        max_bytes=settings.near_cache_max_bytes,
        max_age_seconds=settings.near_cache_max_age_seconds,
        report=Report(
            invalidation=metrics.near_cache_invalidations.labels().inc,
            flush=counting(metrics.near_cache_flushes),
            bytes_held=metrics.near_cache_bytes.set,
        ),
    )


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


class RedisAdapters(ProfileAdapters):
    """Redis for everything but notices and the coupon archive, which live in the SQL database
    at `DATABASE_URL`; `connect` says how Redis is reached (one server, or through Sentinel)."""

    _deadline = ProfileAdapters.settings.provided.request_deadline_seconds
    database = providers.Singleton(
        SqlDatabase,
        ProfileAdapters.settings.provided.database_url,
        deadline_seconds=_deadline,
        migrate=ProfileAdapters.settings.provided.migrate,
        on_error=providers.Callable(counting, ProfileAdapters.metrics.provided.db_errors),
    )
    notices = providers.Singleton(
        CountingNoticeRepository,
        providers.Singleton(
            SqlNoticeRepository, database.provided.engine, database.provided.errors
        ),
        ProfileAdapters.metrics,
    )
    connect: providers.Dependency[Connect] = providers.Dependency()
    """How this profile reaches Redis: `redis_client` here, `sentinel_client` for `sentinel`,
    `cluster_client` for `cluster`."""
    client = providers.Singleton(_connected, connect, ProfileAdapters.settings, MAX_CONNECTIONS)
    connector = providers.Singleton(
        RedisConnector,
        client,
        on_error=providers.Callable(counting, ProfileAdapters.metrics.provided.redis_errors),
        durability=providers.Callable(_durability, ProfileAdapters.settings),
    )
    cache = providers.Singleton(
        _page_cache, connector, ProfileAdapters.settings, ProfileAdapters.metrics
    )
    tokens = providers.Singleton(RedisTokenStore, connector)
    throttle = providers.Singleton(RedisThrottle, connector)
    search_history = providers.Singleton(RedisSearchHistory, connector)
    ranking = providers.Singleton(RedisRanking, connector)
    coupons = providers.Singleton(RedisCouponLedger, connector)
    ledger_connector = providers.Singleton(
        RedisConnector,
        providers.Singleton(_connected, connect, ProfileAdapters.settings, LEDGER_CONNECTIONS),
        on_error=providers.Callable(counting, ProfileAdapters.metrics.provided.redis_errors),
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
        RedisEventBus, connector, confirm_timeout_seconds=providers.Callable(half, _deadline)
    )
    usage = providers.Singleton(RedisUsageLog, connector)
    probes = providers.Dict(
        redis=providers.Singleton(
            RedisProbe,
            connector,
            on_memory=providers.Callable(_memory_report, ProfileAdapters.metrics),
        ),
        database=providers.Singleton(SqlProbe, database.provided.engine, database.provided.errors),
    )
    # NOTE: closed in reverse: the bus first.
    closeables = providers.List(database, connector, ledger_connector, cache, bus)
    startables = providers.List(database)


def adapters(**dependencies: object) -> RedisAdapters:
    return RedisAdapters(connect=providers.Object(redis_client), **dependencies)
