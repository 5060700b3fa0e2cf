"""OTP helpers for tests."""


def another_code(code: str) -> str:
    """A valid 6-digit code that differs from `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
