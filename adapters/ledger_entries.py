"""The fields of a ledger feed entry, as every feed adapter stores them: `event`, `coupon`,
`user` and `at` (milliseconds since the epoch), all strings. The Lua claim scripts write the
same four fields."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

from domain.model.coupons import IssuedCoupon
from domain.model.identity import UserId
from domain.model.ledger import FeedEntry

MAX_USER_CHARS: Final = 256


def entry_fields(coupon: IssuedCoupon) -> dict[str, str]:
    return {
        "event": str(coupon.event_id),
        "coupon": str(coupon.coupon_id),
        "user": coupon.user_id,
        "at": str(epoch_ms(coupon.claimed_at)),
    }


def epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def feed_entry(event_id: int, entry_id: str, fields: Mapping[str, str]) -> FeedEntry:
    """The entry, with `issue` when its fields read as a coupon of `event_id`; else with the
    reason they do not (a poison entry)."""
    try:
        issue = _issue(event_id, fields)
    except ValueError as error:
        return FeedEntry(
            event_id=event_id, entry_id=entry_id, issue=None, raw=dict(fields), problem=str(error)
        )
    return FeedEntry(event_id=event_id, entry_id=entry_id, issue=issue, raw=dict(fields))


def _issue(event_id: int, fields: Mapping[str, str]) -> IssuedCoupon:
    missing = sorted({"event", "coupon", "user", "at"} - fields.keys())
    if missing:
        raise ValueError(f"missing fields: {', '.join(missing)}")
    if _number(fields, "event") != event_id:
        raise ValueError(f"event {fields['event']!r} in the feed of event {event_id}")
    coupon_id = _number(fields, "coupon")
    user = fields["user"]
    if not user or len(user) > MAX_USER_CHARS:
        raise ValueError("user must have 1 to 256 characters")
    at = _number(fields, "at")
    try:
        claimed_at = from_epoch_ms(at)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"at {at} is not a time") from None
    return IssuedCoupon(
        event_id=event_id, coupon_id=coupon_id, user_id=UserId(user), claimed_at=claimed_at
    )


def _number(fields: Mapping[str, str], name: str) -> int:
    raw = fields[name]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) < 1:
        raise ValueError(f"{name} {raw[:40]!r} is not a positive integer")
    return int(raw)
