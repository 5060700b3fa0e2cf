"""`/otp`, `/sessions/current`, `/me/searches`: codes, sessions and search history (Level 2)."""

import falcon.asgi

from adapters.http.auth import Guard, bearer_token
from adapters.http.requests import json_fields
from adapters.http.responses import send_json
from domain.model.identity import UserId
from domain.model.otp import CODE
from domain.model.rules import USER_ID
from domain.model.search import TERM
from domain.usecases.otp import IssueOtp, VerifyOtp
from domain.usecases.search import RecentSearches, RecordSearch
from domain.usecases.sessions import EndSession


class OtpResource:
    """`POST /otp` issues a code; `POST /otp/verify` trades it for a session token."""

    def __init__(self, issue: IssueOtp, verify: VerifyOtp, *, expose_code: bool) -> None:
        self._issue = issue
        self._verify = verify
        self._expose_code = expose_code

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        with await json_fields(req) as fields:
            user_id = UserId(fields.required("user_id", USER_ID))
        issued = await self._issue(user_id)
        body: dict[str, object] = {"user_id": issued.user_id, "expires_in": issued.expires_in}
        if self._expose_code:  # NOTE: demos and load tests only; a real service sends it by SMS
            body["code"] = issued.code
        send_json(resp, body, status=201)

    async def on_post_verify(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        with await json_fields(req) as fields:
            user_id = UserId(fields.required("user_id", USER_ID))
            code = fields.required("code", CODE)
        session = await self._verify(user_id, code)
        send_json(
            resp,
            {
                "verified": True,
                "token": session.token,
                "token_type": "Bearer",
                "expires_in": session.expires_in,
            },
        )


class SessionResource:
    """`DELETE /sessions/current`: the bearer token stops working at once."""

    def __init__(self, end: EndSession) -> None:
        self._end = end

    async def on_delete(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self._end(bearer_token(req))
        resp.status = 204


class SearchesResource:
    """`GET /me/searches` and `POST /me/searches`: the caller's latest 5 distinct terms."""

    def __init__(self, guard: Guard, record: RecordSearch, recent: RecentSearches) -> None:
        self._guard = guard
        self._record = record
        self._recent = recent

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        user_id = await self._guard.user(req)
        send_json(resp, {"terms": list(await self._recent(user_id))})

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        user_id = await self._guard.user(req)
        with await json_fields(req) as fields:
            term = fields.required("term", TERM)
        send_json(resp, {"terms": list(await self._record(user_id, term))}, status=201)
