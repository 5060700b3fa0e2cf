"""`/me/searches`: the caller's latest distinct search terms (Level 2)."""

from falcon.asgi import Request, Response

from adapters.http.messages.searches import SearchTerm, SearchTerms
from adapters.http.routing import Auth, ok, operation
from domain.model.identity import UserId
from domain.usecases.searches import RecentSearches, RecordSearch


class SearchesResource:
    """Read (`GET`) and record (`POST`) the caller's latest 5 distinct terms."""

    def __init__(self, record: RecordSearch, recent: RecentSearches) -> None:
        self._record = record
        self._recent = recent

    @operation("GET", "/me/searches", ok(200, "Terms", SearchTerms), auth=Auth.USER)
    async def recent(self, req: Request, resp: Response, *, user: UserId) -> SearchTerms:
        """The caller's latest 5 distinct terms."""
        return SearchTerms(list(await self._recent(user)))

    @operation(
        "POST", "/me/searches", ok(201, "Terms after recording", SearchTerms), auth=Auth.USER
    )
    async def record(
        self, req: Request, resp: Response, *, user: UserId, body: SearchTerm
    ) -> SearchTerms:
        """Record a search term."""
        return SearchTerms(list(await self._record(user, body.trimmed())))
