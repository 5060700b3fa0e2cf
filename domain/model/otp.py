"""One-time passwords: policy, the keyed digest stored instead of the code, and outcomes."""

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from domain.model.identity import UserId


@dataclass(frozen=True, slots=True, kw_only=True)
class OtpPolicy:
    """How long a code lives, how many wrong attempts burn it, how often one may be issued (the
    values come from the settings: OTP_*)."""

    ttl_seconds: int
    max_attempts: int
    issue_limit: int
    issue_window_seconds: int
    client_issue_limit: int
    """Codes one client address may request per window, whatever the users (0: no limit).
    Without it, one client could have codes sent to any number of users (SMS pumping)."""


class CodeDigester:
    """Turns a code into the keyed digest (HMAC-SHA256) that is all the store ever sees.

    The user id is part of the message, so equal codes of two users have unrelated digests.
    Without the secret, a leaked store does not give the codes back (a plain hash of six digits
    would be reversed by trying all 10**6 of them).
    """

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the OTP secret must be at least 16 bytes")
        self._secret = secret

    def __call__(self, user_id: UserId, code: str) -> str:
        message = f"{user_id}\x00{code}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def token_digest(token: str) -> str:
    """The store key of a session token: SHA-256, enough for 256-bit random tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedOtp:
    """A code just issued; `code` is in clear only here, to be delivered to the user."""

    user_id: UserId
    code: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class IssueAccepted:
    """The store keeps the new code (replacing any earlier one)."""


@dataclass(frozen=True, slots=True)
class IssueRefused:
    """The issuance limit is reached; nothing changed; the window ends in `retry_after` s."""

    retry_after: int


IssueOutcome = IssueAccepted | IssueRefused


@dataclass(frozen=True, slots=True)
class CodeVerified:
    """The digest matched; the code is consumed."""


@dataclass(frozen=True, slots=True)
class CodeRejected:
    """The digest did not match; `attempts_left` more attempts (0: the code is burned)."""

    attempts_left: int


@dataclass(frozen=True, slots=True)
class CodeMissing:
    """No active code: never issued, expired, consumed or burned."""


Verification = CodeVerified | CodeRejected | CodeMissing


class VerificationOutcome(StrEnum):
    """How a code verification ended, as the metrics count it."""

    VERIFIED = "verified"
    WRONG_CODE = "wrong_code"
    NO_CODE = "no_code"
    UNAVAILABLE = "unavailable"
