"""The `memory` profile: every port in this process, notices included."""

from dependency_injector import providers

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
from adapters.prometheus.notice_repository import CountingNoticeRepository
from composition.profiles.base import ProfileAdapters


class MemoryAdapters(ProfileAdapters):
    """The `memory` profile: every port in this process, notices included."""

    notices = providers.Singleton(
        CountingNoticeRepository,
        providers.Singleton(InMemoryNoticeRepository),
        ProfileAdapters.metrics,
    )
    cache = providers.Singleton(InMemoryCache, ProfileAdapters.clock)
    tokens = providers.Singleton(InMemoryTokenStore, ProfileAdapters.clock)
    throttle = providers.Singleton(InMemoryThrottle, ProfileAdapters.clock)
    search_history = providers.Singleton(InMemorySearchHistory, ProfileAdapters.clock)
    ranking = providers.Singleton(InMemoryRanking, ProfileAdapters.clock)
    ledger_feed = providers.Singleton(InMemoryLedgerFeed, ProfileAdapters.clock)
    coupons = providers.Singleton(InMemoryCouponLedger, ledger_feed)
    archive = providers.Singleton(InMemoryCouponArchive)
    lock = providers.Singleton(InMemoryLock, ProfileAdapters.clock)
    bus = providers.Singleton(InMemoryEventBus, ProfileAdapters.clock)
    usage = providers.Singleton(InMemoryUsageLog, ProfileAdapters.clock)
    probes = providers.Dict(memory=providers.Singleton(InMemoryProbe))
    closeables = providers.List(bus)
    startables = providers.List()


def adapters(**dependencies: object) -> MemoryAdapters:
    return MemoryAdapters(**dependencies)
