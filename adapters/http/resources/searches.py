"""`/me/searches`: the caller's latest distinct search terms (Level 2)."""

from typing import Final

import falcon.asgi

from adapters.http.messages.searches import SearchTerm, SearchTerms
from adapters.http.routing import Auth, Operation, Route, ok
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


ROUTES: Final = (
    Route(
        path="/me/searches",
        resource=SearchesResource,
        operations=(
            Operation(
                method="GET",
                handler=SearchesResource.recent,
                summary="The caller's latest 5 distinct terms",
                reply=ok(200, "Terms", SearchTerms),
                auth=Auth.USER,
            ),
            Operation(
                method="POST",
                handler=SearchesResource.record,
                summary="Record a search term",
                reply=ok(201, "Terms after recording", SearchTerms),
                body=SearchTerm,
                auth=Auth.USER,
            ),
        ),
    ),
)
