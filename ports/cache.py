"""The `Cache` port: cached pages of the notice list, invalidated all at once."""

from dataclasses import dataclass
from typing import Protocol

from domain.model.notices import NoticePage
from domain.model.paging import PageRequest


@dataclass(frozen=True, slots=True)
class CacheLookup:
    """The cached page (None on a miss) and the `stamp` to store a fresh page under.

    The stamp names the cache generation the lookup saw. A page stored with a stamp taken
    before an invalidation is never returned after it: this is what keeps a slow reader from
    putting back a page that an invalidation has just removed.
    """

    page: NoticePage | None
    stamp: str


class Cache(Protocol):
    """Cache-aside storage for notice pages.

    Contract:
    - `lookup` returns a page only if `store` put it with the stamp of the current generation,
      fewer than `ttl_seconds` ago.
    - `invalidate_pages` starts a new generation: no page stored before it, or stored later with
      an older stamp, is returned again. It is atomic and visible to every instance at once.
    - Entries expire by themselves; a cache may also drop entries early (it is a cache).
    - Failures raise `BackendUnavailable` / `BackendTimeout`; callers then go to the repository.
    """

    async def lookup(self, request: PageRequest) -> CacheLookup: ...

    async def store(
        self, request: PageRequest, page: NoticePage, *, stamp: str, ttl_seconds: int
    ) -> None: ...

    async def invalidate_pages(self) -> None: ...
