"""`/rankings`: leaderboards with competition ranks (Level 3)."""

import falcon.asgi

from adapters.http.auth import Guard
from adapters.http.requests import json_fields, path_value
from adapters.http.resources.paging import page_request
from adapters.http.responses import send_json, standing_json
from domain.model.ranking import RANKING_DEFAULT_LIMIT, SCORE
from domain.model.rules import NAME, USER_ID
from domain.usecases.ranking import AddScore, PutScore, ShowLeaderboard, ShowStanding


class RankingsResource:
    """A board (`GET`), its score increments (`POST .../scores`), one member (`GET`, `PUT`)."""

    def __init__(
        self,
        guard: Guard,
        add: AddScore,
        put: PutScore,
        leaderboard: ShowLeaderboard,
        standing: ShowStanding,
    ) -> None:
        self._guard = guard
        self._add = add
        self._put = put
        self._leaderboard = leaderboard
        self._standing = standing

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, board: str
    ) -> None:
        board = path_value("board", board, NAME)
        request = page_request(req, default_limit=RANKING_DEFAULT_LIMIT)
        leaderboard = await self._leaderboard(board, request)
        send_json(
            resp,
            {
                "board": leaderboard.board,
                "total": leaderboard.total,
                "entries": [
                    {"rank": entry.rank, "member": entry.member, "score": entry.score}
                    for entry in leaderboard.entries
                ],
            },
        )

    async def on_post_scores(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, board: str
    ) -> None:
        await self._guard.admin(req)
        board = path_value("board", board, NAME)
        with await json_fields(req) as fields:
            member = fields.required("member", USER_ID)
            delta = fields.required("delta", SCORE)
        send_json(resp, standing_json(await self._add(board, member, delta)))

    async def on_get_member(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, board: str, member: str
    ) -> None:
        board = path_value("board", board, NAME)
        member = path_value("member", member, USER_ID)
        send_json(resp, standing_json(await self._standing(board, member)))

    async def on_put_member(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, board: str, member: str
    ) -> None:
        await self._guard.admin(req)
        board = path_value("board", board, NAME)
        member = path_value("member", member, USER_ID)
        with await json_fields(req) as fields:
            score = fields.required("score", SCORE)
        send_json(resp, standing_json(await self._put(board, member, score)))
