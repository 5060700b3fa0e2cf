"""`/otp` and `/otp/verify`: one-time codes, traded for a session (Level 2)."""

from typing import Final

import falcon.asgi

from adapters.http.clients import client_address
from adapters.http.messages.otp import OtpIssued, OtpRequest, OtpVerification
from adapters.http.messages.sessions import Session
from adapters.http.routing import Operation, Route, ok
from domain.model.identity import user_id
from domain.usecases.otp import IssueOtp, VerifyOtp


class OtpResource:
    """Issue a code (`POST /otp`), verify it into a session token (`POST /otp/verify`)."""

    def __init__(
        self, issue: IssueOtp, verify: VerifyOtp, *, expose_code: bool, trust_forwarded_for: bool
    ) -> None:
        self._issue = issue
        self._verify = verify
        self._expose_code = expose_code
        self._trust_forwarded_for = trust_forwarded_for

    async def issue(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, body: OtpRequest
    ) -> OtpIssued:
        client = client_address(req, trust_forwarded_for=self._trust_forwarded_for)
        issued = await self._issue(user_id(body.user_id), client=client)
        return OtpIssued.of(issued, expose_code=self._expose_code)

    async def verify(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, body: OtpVerification
    ) -> Session:
        return Session.of(await self._verify(user_id(body.user_id), body.code))


ROUTES: Final = (
    Route(
        path="/otp",
        resource=OtpResource,
        operations=(
            Operation(
                method="POST",
                handler=OtpResource.issue,
                summary="Issue a 6-digit code (replaces the previous one)",
                reply=ok(201, "Issued", OtpIssued),
                body=OtpRequest,
                refusals=(429,),
            ),
        ),
    ),
    Route(
        path="/otp/verify",
        resource=OtpResource,
        operations=(
            Operation(
                method="POST",
                handler=OtpResource.verify,
                summary="Verify a code; consumes it and opens a session",
                reply=ok(200, "Verified", Session),
                body=OtpVerification,
                refusals=(401, 404),
            ),
        ),
    ),
)
