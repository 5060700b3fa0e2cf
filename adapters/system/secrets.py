"""System `SecretSource`: the operating system's CSPRNG through the `secrets` module."""

import secrets

from ports.secrets import SecretSource


class SystemSecrets(SecretSource):
    """`secrets.randbelow` for codes (uniform, no modulo bias), `token_urlsafe` for tokens."""

    def otp_code(self) -> str:
        return f"{secrets.randbelow(1_000_000):06d}"

    def token(self) -> str:
        return secrets.token_urlsafe(32)

    def nonce(self) -> str:
        return secrets.token_hex(16)
