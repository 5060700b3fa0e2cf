"""A dictionary whose entries expire by the injected clock, like keys with a TTL."""

import heapq
import itertools
from collections.abc import Hashable
from typing import Generic, TypeVar

from ports.clock import Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringMap(Generic[K, V]):
    """Entries with an optional time to live.

    Expired entries are invisible at once and freed lazily: on access, and by a sweep of the
    soonest-expiring entries on every write (a heap keeps them in order), so memory stays
    bounded by the live entries plus recent garbage.
    """

    __slots__ = ("_clock", "_deadlines", "_items", "_order")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._items: dict[K, tuple[V, float | None]] = {}
        self._deadlines: list[tuple[float, int, K]] = []
        self._order = itertools.count()  # breaks ties in the heap without comparing keys

    def _now(self) -> float:
        return self._clock.timestamp()

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        value, expires_at = item
        if expires_at is not None and expires_at <= self._now():
            del self._items[key]
            return None
        return value

    def remaining_seconds(self, key: K) -> float | None:
        """Seconds until the entry expires; None if it is absent or never expires."""
        item = self._items.get(key)
        if item is None or item[1] is None:
            return None
        remaining = item[1] - self._now()
        return remaining if remaining > 0 else None

    def put(self, key: K, value: V, *, ttl_seconds: float | None) -> None:
        """Set the value and a new TTL (None: no expiry)."""
        now = self._now()
        self._sweep(now)
        expires_at = None if ttl_seconds is None else now + ttl_seconds
        self._items[key] = (value, expires_at)
        if expires_at is not None:
            heapq.heappush(self._deadlines, (expires_at, next(self._order), key))

    def replace(self, key: K, value: V) -> None:
        """Set the value of a live entry and keep its expiry (Redis `SET ... KEEPTTL`)."""
        item = self._items.get(key)
        if item is None:
            raise KeyError(key)
        self._items[key] = (value, item[1])

    def pop(self, key: K) -> V | None:
        value = self.get(key)
        if value is not None:
            del self._items[key]
        return value

    def clear(self) -> None:
        self._items.clear()
        self._deadlines.clear()

    def _sweep(self, now: float) -> None:
        deadlines = self._deadlines
        while deadlines and deadlines[0][0] <= now:
            expires_at, _, key = heapq.heappop(deadlines)
            item = self._items.get(key)
            # The heap may hold an older deadline of a key put again since: check it is this one.
            if item is not None and item[1] == expires_at:
                del self._items[key]
