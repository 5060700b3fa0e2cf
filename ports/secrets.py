"""The `SecretSource` port: unpredictable values for OTP codes, tokens and request ids."""

from typing import Protocol


class SecretSource(Protocol):
    """A cryptographically secure random source.

    Contract:
    - `otp_code()` returns 6 decimal digits, uniformly distributed (leading zeros kept).
    - `token()` returns a URL-safe string with at least 256 bits of entropy.
    - `nonce()` returns a string unique for all practical purposes (128 bits), used to make a
      retried write recognisable as the same write.
    """

    def otp_code(self) -> str: ...

    def token(self) -> str: ...

    def nonce(self) -> str: ...
