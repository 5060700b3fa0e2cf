"""`/rankings`: leaderboards with competition ranks (Level 3)."""

from typing import Final

import falcon.asgi

from adapters.http.messages.fields import Member, Name, page_request
from adapters.http.messages.rankings import Leaderboard, RankingPaging, Score, ScoreDelta, Standing
from adapters.http.routing import Auth, Operation, Route, ok
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


ROUTES: Final = (
    Route(
        path="/rankings/{board}",
        resource=RankingsResource,
        params={"board": Name},
        operations=(
            Operation(
                method="GET",
                handler=RankingsResource.board,
                summary="A leaderboard page, highest first, with competition ranks",
                reply=ok(200, "The page", Leaderboard),
                query=RankingPaging,
            ),
        ),
    ),
    Route(
        path="/rankings/{board}/scores",
        resource=RankingsResource,
        params={"board": Name},
        operations=(
            Operation(
                method="POST",
                handler=RankingsResource.add,
                summary="Add a delta to a member's score",
                reply=ok(200, "The new standing", Standing),
                body=ScoreDelta,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/rankings/{board}/members/{member}",
        resource=RankingsResource,
        params={"board": Name, "member": Member},
        operations=(
            Operation(
                method="GET",
                handler=RankingsResource.standing,
                summary="A member's score and rank",
                reply=ok(200, "The standing", Standing),
                refusals=(404,),
            ),
            Operation(
                method="PUT",
                handler=RankingsResource.put,
                summary="Set a member's score",
                reply=ok(200, "The new standing", Standing),
                body=Score,
                auth=Auth.ADMIN,
            ),
        ),
    ),
)
