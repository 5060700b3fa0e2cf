"""RFC 3339 timestamps as the API writes them: UTC, milliseconds, a `Z` suffix."""

from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    """`2026-11-25T18:00:00.123Z` for an aware datetime (converted to UTC)."""
    # NOTE: isoformat is C code; strftime was a third of a cached page's serving time.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
