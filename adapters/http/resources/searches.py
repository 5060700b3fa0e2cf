"""`/me/searches`: the caller's latest distinct search terms (Level 2)."""

import falcon.asgi

from adapters.http.messages.searches import SearchTerm, SearchTerms
from domain.model.identity import UserId
from domain.usecases.searches import RecentSearches, RecordSearch


class SearchesResource:
    """Read (`GET`) and record (`POST`) the caller's latest 5 distinct terms."""

    def __init__(self, record: RecordSearch, recent: RecentSearches) -> None:
        self._record = record
        self._recent = recent

    async def recent(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, user: UserId
    ) -> SearchTerms:
        return SearchTerms(list(await self._recent(user)))

    async def record(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        *,
        user: UserId,
        body: SearchTerm,
    ) -> SearchTerms:
        return SearchTerms(list(await self._record(user, body.trimmed())))
