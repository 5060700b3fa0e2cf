"""A `SecretSource` whose OTP codes are scripted, for tests that must know the code."""

from collections import deque

from adapters.system.secrets import SystemSecrets


class ScriptedSecrets(SystemSecrets):
    """Hands out `codes` in order as OTP codes, then random ones; tokens stay random."""

    def __init__(self, *codes: str) -> None:
        self._codes = deque(codes)

    def script(self, *codes: str) -> None:
        self._codes.extend(codes)

    def otp_code(self) -> str:
        return self._codes.popleft() if self._codes else super().otp_code()
