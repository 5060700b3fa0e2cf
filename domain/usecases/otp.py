"""OTP use-cases: issue a code under a rate limit, verify it into a session."""

from domain.model.errors import NoActiveCode, TooManyCodes, WrongCode
from domain.model.identity import Session, UserId
from domain.model.otp import (
    CodeDigester,
    CodeMissing,
    CodeRejected,
    CodeVerified,
    IssuedOtp,
    IssueRefused,
    OtpPolicy,
    VerificationOutcome,
    token_digest,
)
from domain.model.throttling import Throttled
from ports.errors import PortError
from ports.secrets import SecretSource
from ports.telemetry import Telemetry
from ports.throttle import Throttle
from ports.token_store import TokenStore


class IssueOtp:
    """Issue a fresh 6-digit code to a user, replacing any earlier one.

    The code comes from a CSPRNG and reaches the store only as a keyed digest. Two limits per
    `policy.issue_window_seconds`, each raising `TooManyCodes`: `policy.client_issue_limit`
    requests from one client address (whatever the users: one client must not have codes
    sent to thousands of numbers), then `policy.issue_limit` issues per user. A request the
    user limit refuses still counts against its client.
    """

    def __init__(
        self,
        tokens: TokenStore,
        throttle: Throttle,
        secrets: SecretSource,
        digester: CodeDigester,
        policy: OtpPolicy,
    ) -> None:
        self._tokens = tokens
        self._throttle = throttle
        self._secrets = secrets
        self._digester = digester
        self._policy = policy

    async def __call__(self, user_id: UserId, *, client: str) -> IssuedOtp:
        if self._policy.client_issue_limit:
            admission = await self._throttle.admit(
                f"otp-issue:{client}",
                limit=self._policy.client_issue_limit,
                window_seconds=self._policy.issue_window_seconds,
            )
            if isinstance(admission, Throttled):
                raise TooManyCodes(admission.retry_after, whose="from this address")
        code = self._secrets.otp_code()
        outcome = await self._tokens.issue_code(
            user_id, self._digester(user_id, code), self._policy
        )
        if isinstance(outcome, IssueRefused):
            raise TooManyCodes(outcome.retry_after)
        return IssuedOtp(user_id=user_id, code=code, expires_in=self._policy.ttl_seconds)


class VerifyOtp:
    """Check a code; on success consume it and open a session.

    Raises `WrongCode(attempts_left)` (the code stays, one attempt fewer; at 0 it is burned)
    and `NoActiveCode` (never issued, expired, consumed or burned). The comparison, the attempt
    count and the consumption are one atomic step of the store: of concurrent verifications of
    the right code exactly one succeeds.
    """

    def __init__(
        self,
        tokens: TokenStore,
        secrets: SecretSource,
        digester: CodeDigester,
        telemetry: Telemetry,
        *,
        session_ttl_seconds: int,
    ) -> None:
        self._tokens = tokens
        self._secrets = secrets
        self._digester = digester
        self._telemetry = telemetry
        self._session_ttl_seconds = session_ttl_seconds

    async def __call__(self, user_id: UserId, code: str) -> Session:
        try:
            verification = await self._tokens.verify_code(
                user_id, self._digester(user_id, code), attempt_id=self._secrets.nonce()
            )
        except PortError:
            self._telemetry.otp_verification(VerificationOutcome.UNAVAILABLE)
            raise
        match verification:
            case CodeVerified():
                self._telemetry.otp_verification(VerificationOutcome.VERIFIED)
                token = self._secrets.token()
                await self._tokens.open_session(
                    token_digest(token), user_id, ttl_seconds=self._session_ttl_seconds
                )
                return Session(user_id=user_id, token=token, expires_in=self._session_ttl_seconds)
            case CodeRejected(attempts_left=attempts_left):
                self._telemetry.otp_verification(VerificationOutcome.WRONG_CODE)
                raise WrongCode(attempts_left)
            case CodeMissing():
                self._telemetry.otp_verification(VerificationOutcome.NO_CODE)
                raise NoActiveCode("no active code for this user")
