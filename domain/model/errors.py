"""Domain errors: the refusals a use-case can answer with, independent of any transport."""


class DomainError(Exception):
    """Base of every refusal the domain makes on purpose."""


class NotFound(DomainError):
    """The thing asked for does not exist (or no longer does)."""


class NotAuthenticated(DomainError):
    """No credentials, or credentials that identify nobody."""


class Forbidden(DomainError):
    """Valid credentials that do not grant this operation."""


class WrongCode(DomainError):
    """An OTP verification with the wrong code; `attempts_left` more are allowed."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"wrong code, {attempts_left} attempts left")
        self.attempts_left = attempts_left


class NoActiveCode(NotFound):
    """No OTP code to verify: never issued, expired, consumed, or burned by wrong attempts."""


class ScoreOutOfRange(DomainError):
    """A score change whose result would not be a finite number."""


class TooManyCodes(DomainError):
    """An issuance limit (this user's, or this client's) is reached; the window ends in
    `retry_after` seconds."""

    def __init__(self, retry_after: int, *, whose: str = "for this user") -> None:
        super().__init__(f"too many codes requested {whose}; retry in {retry_after} s")
        self.retry_after = retry_after


class AlreadyClaimed(DomainError):
    """This user already holds a coupon of this event: `coupon_id` (so that a client whose
    first answer was lost can learn its coupon by claiming again)."""

    def __init__(self, coupon_id: int) -> None:
        super().__init__(f"this user already holds coupon {coupon_id} of this event")
        self.coupon_id = coupon_id


class NumberTaken(DomainError):
    """The `naive` strategy gave this user coupon `coupon_id`, and the archive holds that number
    for another user: the race's double, refused before anyone was told they hold it."""

    def __init__(self, coupon_id: int) -> None:
        super().__init__(
            f"the naive strategy handed this user coupon {coupon_id}, which another user holds: "
            "the archive refused it (check-then-act without a lock races; see docs/coupons.md)"
        )
        self.coupon_id = coupon_id


class SoldOut(DomainError):
    """Every coupon of this event has been issued."""


class LedgerSettling(DomainError):
    """The live ledger is being brought back in line with the archive (it lost data) and this
    claim could not be settled meanwhile: nothing was promised; try again shortly."""
