"""RFC 3339 timestamps as the API writes them: UTC, milliseconds, a `Z` suffix."""

from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    """`2026-11-25T18:00:00.123Z` for an aware datetime (converted to UTC)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
