"""The `Cache` port: rendered pages of the notice list, invalidated all at once, filled once."""

from dataclasses import dataclass, field
from typing import Protocol

from domain.model.paging import PageRequest


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A hit: the page as clients read it (rendered once, when it was filled); `near` when a
    near cache served it from the process's memory, without a round trip (telemetry: the
    same page either way, so it takes no part in equality)."""

    body: bytes
    near: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class CacheMiss:
    """A miss, and the generation (`stamp`) it saw: a fill of this page belongs to it."""

    stamp: str


CacheLookup = CachedPage | CacheMiss


@dataclass(frozen=True, slots=True)
class FillTicket:
    """The right to fill a page for generation `stamp`: `number` orders the fills of a page
    (a later fill has a larger number), and `leased` says whether this caller holds the
    fill lease, the one fill the other instances wait for."""

    stamp: str
    number: int
    leased: bool
    fill_id: str = ""
    """The adapter's own name for this fill (what its lease holds), opaque to callers."""


class Cache(Protocol):
    """Cache-aside storage for rendered notice pages, shared by every instance.

    Contract:
    - `lookup` returns a `CachedPage` only if `store` put it with the stamp of the current
      generation, fewer than its `ttl_seconds` ago; otherwise a `CacheMiss` with that stamp.
      "Current" at some moment after the call: a lookup never answers from before an
      invalidation that completed before it was called, even while other lookups are out.
    - `begin_fill` numbers a fill of the page and asks for its lease: of every caller asking
      for the lease of one page and stamp, one gets it, until it stores or `lease_seconds`
      pass (a filler that dies leaves a lease that expires by itself); once a fill of that
      stamp stored the page, nobody gets it (the page is there to be read). Retry-safe.
    - `wait_for_fill` returns the page once a fill of `ticket.stamp` stored it, or None after
      `timeout_seconds` (or as soon as the stamp is no longer current).
    - `store` is one atomic step: it stores `body` only if `ticket.stamp` is still the current
      generation and no fill with a larger number stored this page in that generation (a slow
      fill cannot overwrite a newer page, nor put back a page read before an invalidation);
      it releases the lease the ticket holds, and says whether it stored.
    - `invalidate_pages` starts a new generation: no page stored before it, or stored later with
      an older stamp, is returned again. It is atomic and visible to every instance at once.
    - Entries expire by themselves; a cache may also drop entries early (it is a cache).
    - Failures raise `BackendUnavailable` / `BackendTimeout`; callers then go to the repository.
    """

    async def lookup(self, request: PageRequest) -> CacheLookup: ...

    async def begin_fill(
        self, request: PageRequest, stamp: str, *, lease_seconds: float
    ) -> FillTicket: ...

    async def wait_for_fill(
        self, request: PageRequest, ticket: FillTicket, *, timeout_seconds: float
    ) -> CachedPage | None: ...

    async def store(
        self, request: PageRequest, body: bytes, ticket: FillTicket, *, ttl_seconds: int
    ) -> bool: ...

    async def invalidate_pages(self) -> None: ...
