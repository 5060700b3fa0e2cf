"""`/rankings`: leaderboards with competition ranks (Level 3)."""

from falcon.asgi import Request, Response

from adapters.http.messages.fields import Member, Name, page_request
from adapters.http.messages.rankings import Leaderboard, RankingPaging, Score, ScoreDelta, Standing
from adapters.http.routing import Auth, ok, operation
from domain.usecases.rankings import AddScore, PutScore, ShowLeaderboard, ShowStanding

STANDING = "/rankings/{board}/members/{member}"


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

    @operation("GET", "/rankings/{board}", ok(200, "The page", Leaderboard))
    async def board(
        self, req: Request, resp: Response, *, board: Name, query: RankingPaging
    ) -> Leaderboard:
        """A leaderboard page, highest first, with competition ranks."""
        page = page_request(query.limit, query.offset)
        return Leaderboard.of(await self._leaderboard(board, page))

    @operation(
        "POST", "/rankings/{board}/scores", ok(200, "The new standing", Standing), auth=Auth.ADMIN
    )
    async def add(self, req: Request, resp: Response, *, board: Name, body: ScoreDelta) -> Standing:
        """Add a delta to a member's score."""
        return Standing.of(await self._add(board, body.member, body.delta))

    @operation("GET", STANDING, ok(200, "The standing", Standing), refusals=(404,))
    async def standing(
        self, req: Request, resp: Response, *, board: Name, member: Member
    ) -> Standing:
        """A member's score and rank."""
        return Standing.of(await self._standing(board, member))

    @operation("PUT", STANDING, ok(200, "The new standing", Standing), auth=Auth.ADMIN)
    async def put(
        self, req: Request, resp: Response, *, board: Name, member: Member, body: Score
    ) -> Standing:
        """Set a member's score."""
        return Standing.of(await self._put(board, member, body.score))
