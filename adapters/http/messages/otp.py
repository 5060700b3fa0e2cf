"""Bodies of `/otp` and `/otp/verify`: a code requested, issued, and offered for verification."""

from typing import Annotated, Self

from msgspec import UNSET, Meta, Struct, UnsetType

from adapters.http.messages.fields import Seconds, UserId
from domain.model.otp import IssuedOtp

Code = Annotated[
    str,
    Meta(min_length=6, max_length=6, pattern="^[0-9]{6}$(?!\\n)", description="6 digits"),
]


class OtpRequest(Struct, forbid_unknown_fields=True):
    """Ask for a code for `user_id`."""

    user_id: UserId


class OtpIssued(Struct, omit_defaults=True):
    """A code was issued; `code` only when the server exposes codes (`OTP_EXPOSE_CODE`)."""

    user_id: UserId
    expires_in: Seconds
    code: Code | UnsetType = UNSET

    @classmethod
    def of(cls, issued: IssuedOtp, *, expose_code: bool) -> Self:
        # NOTE: demos and load tests only; a real service sends the code by SMS.
        code = issued.code if expose_code else UNSET
        return cls(issued.user_id, issued.expires_in, code)


class OtpVerification(Struct, forbid_unknown_fields=True):
    """A code offered for `user_id`."""

    user_id: UserId
    code: Code
