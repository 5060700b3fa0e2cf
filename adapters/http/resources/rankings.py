"""`/rankings`: leaderboards with competition ranks (Level 3)."""

import falcon.asgi

from adapters.http.messages.fields import page_request
from adapters.http.messages.rankings import Leaderboard, RankingPaging, Score, ScoreDelta, Standing
from domain.usecases.rankings import AddScore, PutScore, ShowLeaderboard, ShowStanding


class RankingsResource:
    """A board's page, a member's standing, score increments and scores set outright."""

    def __init__(
        self,
        add: AddScore,
        put: PutScore,
        leaderboard: ShowLeaderboard,
        standing: ShowStanding,
    ) -> None:
        self._add = add
        self._put = put
        self._leaderboard = leaderboard
        self._standing = standing

    async def board(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        *,
        board: str,
        query: RankingPaging,
    ) -> Leaderboard:
        page = page_request(query.limit, query.offset)
        return Leaderboard.of(await self._leaderboard(board, page))

    async def add(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, board: str, body: ScoreDelta
    ) -> Standing:
        return Standing.of(await self._add(board, body.member, body.delta))

    async def standing(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, board: str, member: str
    ) -> Standing:
        return Standing.of(await self._standing(board, member))

    async def put(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        *,
        board: str,
        member: str,
        body: Score,
    ) -> Standing:
        return Standing.of(await self._put(board, member, body.score))
