"""The backends the contract suite runs on, behind one interface the tests use."""

from typing import Protocol

from adapters.inmemory.cache import InMemoryCache
from adapters.inmemory.coupon_ledger import InMemoryCouponLedger
from adapters.inmemory.event_bus import InMemoryEventBus
from adapters.inmemory.health import InMemoryProbe
from adapters.inmemory.ledger_feed import InMemoryLedgerFeed
from adapters.inmemory.lock import InMemoryLock
from adapters.inmemory.ranking import InMemoryRanking
from adapters.inmemory.search_history import InMemorySearchHistory
from adapters.inmemory.throttle import InMemoryThrottle
from adapters.inmemory.token_store import InMemoryTokenStore
from adapters.inmemory.usage_log import InMemoryUsageLog
from ports.cache import Cache
from ports.coupon_ledger import CouponLedger
from ports.event_bus import EventBus
from ports.health import HealthProbe
from ports.ledger_feed import LedgerFeed
from ports.lock import Lock
from ports.ranking import Ranking
from ports.search_history import SearchHistory
from ports.throttle import Throttle
from ports.token_store import TokenStore
from ports.usage_log import UsageLog
from tests.support.clock import ManualClock


class Backend(Protocol):
    """One adapter of each port over one shared store, and what tests may ask of it.

    Each port method returns an adapter over the same data every time it is called: two calls
    are two instances of the service sharing the backend.
    """

    blocking_reads_wait: bool
    """Whether a blocking read waits for an entry (fakeredis answers an empty one at once)."""

    def cache(self) -> Cache: ...
    def tokens(self) -> TokenStore: ...
    def search_history(self) -> SearchHistory: ...
    def ranking(self) -> Ranking: ...
    def coupons(self) -> CouponLedger: ...
    def ledger_feed(self) -> LedgerFeed: ...
    def lock(self) -> Lock: ...
    def bus(self) -> EventBus: ...
    def usage(self) -> UsageLog: ...
    def throttle(self) -> Throttle: ...
    def probe(self) -> HealthProbe: ...

    async def advance(self, seconds: float) -> None:
        """Let `seconds` pass for every TTL, lease and window of the backend."""
        ...

    async def append_to_feed(
        self, event_id: int, fields: dict[str, str], *, age_seconds: float = 0.0
    ) -> None:
        """Append any fields to an event's ledger feed, as a buggy or hostile writer could,
        as if `age_seconds` ago (into an empty feed)."""
        ...

    async def dead_letters(self, event_id: int) -> list[str]:
        """Why each parked entry of the event was parked, oldest first."""
        ...

    async def feed_length(self, event_id: int) -> int:
        """How many entries of the event the feed still keeps."""
        ...

    async def commands_run(self) -> int | None:
        """How many commands the store has run so far, by its own count (every node of it),
        leaving out what servers send each other; None where it keeps no count."""
        ...

    async def close(self) -> None: ...


class InMemoryBackend(Backend):
    """The in-process adapters: one object per port, all on one manual clock."""

    blocking_reads_wait = True

    def __init__(self) -> None:
        self.clock = ManualClock()
        self._cache = InMemoryCache(self.clock)
        self._tokens = InMemoryTokenStore(self.clock)
        self._search_history = InMemorySearchHistory(self.clock)
        self._ranking = InMemoryRanking(self.clock)
        self._feed = InMemoryLedgerFeed(self.clock)
        self._coupons = InMemoryCouponLedger(self._feed)
        self._lock = InMemoryLock(self.clock)
        self._bus = InMemoryEventBus(self.clock)
        self._usage = InMemoryUsageLog(self.clock)
        self._throttle = InMemoryThrottle(self.clock)

    def cache(self) -> Cache:
        return self._cache

    def tokens(self) -> TokenStore:
        return self._tokens

    def search_history(self) -> SearchHistory:
        return self._search_history

    def ranking(self) -> Ranking:
        return self._ranking

    def coupons(self) -> CouponLedger:
        return self._coupons

    def ledger_feed(self) -> LedgerFeed:
        return self._feed

    def lock(self) -> Lock:
        return self._lock

    def bus(self) -> EventBus:
        return self._bus

    def usage(self) -> UsageLog:
        return self._usage

    def throttle(self) -> Throttle:
        return self._throttle

    def probe(self) -> HealthProbe:
        return InMemoryProbe()

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    async def append_to_feed(
        self, event_id: int, fields: dict[str, str], *, age_seconds: float = 0.0
    ) -> None:
        self._feed.append_fields(event_id, fields, age_seconds=age_seconds)

    async def dead_letters(self, event_id: int) -> list[str]:
        return [why for entry, why in self._feed.dead_letters if entry.event_id == event_id]

    async def feed_length(self, event_id: int) -> int:
        return await self._feed.in_flight(event_id)

    async def commands_run(self) -> int | None:
        return None

    async def close(self) -> None:
        await self._bus.close()
