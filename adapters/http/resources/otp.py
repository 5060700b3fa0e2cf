"""`/otp` and `/otp/verify`: one-time codes, traded for a session (Level 2)."""

from falcon.asgi import Request, Response

from adapters.http.clients import client_address
from adapters.http.messages.otp import OtpIssued, OtpRequest, OtpVerification
from adapters.http.messages.sessions import Session
from adapters.http.routing import ok, operation
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

    @operation("POST", "/otp", ok(201, "Issued", OtpIssued), refusals=(429,))
    async def issue(self, req: Request, resp: Response, *, body: OtpRequest) -> OtpIssued:
        """Issue a 6-digit code (replaces the previous one)."""
        client = client_address(req, trust_forwarded_for=self._trust_forwarded_for)
        issued = await self._issue(user_id(body.user_id), client=client)
        return OtpIssued.of(issued, expose_code=self._expose_code)

    @operation("POST", "/otp/verify", ok(200, "Verified", Session), refusals=(401, 404))
    async def verify(self, req: Request, resp: Response, *, body: OtpVerification) -> Session:
        """Verify a code; consumes it and opens a session."""
        return Session.of(await self._verify(user_id(body.user_id), body.code))
