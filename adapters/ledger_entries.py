"""The fields of a ledger feed entry, as every feed adapter stores them: `event`, `coupon`,
`user` and `at` (milliseconds since the epoch), all strings. The Lua claim scripts write the
same four fields.

The feed is split into `FEED_PARTITIONS` partitions, an event's entries all in one
(`feed_partition`): a reader reads the partitions, never the events, so what it costs does not
grow with the events ever opened. On Redis the partition is the hash tag of the event's keys
(`{coupons-<partition>}`), so the claim script's append stays in the event's slot."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

from domain.model.coupons import IssuedCoupon
from domain.model.identity import UserId
from domain.model.ledger import FeedEntry

MAX_USER_CHARS: Final = 256
FEED_PARTITIONS: Final = 16
"""Fixed for good: the Redis keys of an event are tagged with its partition, so changing it
moves every event to other keys (docs/ledger.md, "Partitions"). 16 spreads the events over the
shards of a cluster (on 3 masters with the slots split evenly: 3, 8 and 5 partitions) at an idle
cost of 16 reads per sweep on a cluster, one on a single Redis (ops/feed_idle.py)."""


def feed_partition(event_id: int) -> int:
    return event_id % FEED_PARTITIONS


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


def feed_entry(partition: int, entry_id: str, fields: Mapping[str, str]) -> FeedEntry:
    """The entry found in feed partition `partition`, with `issue` when its fields read as a
    coupon of an event of that partition; else with the reason they do not (a poison entry,
    whose `event_id` is 0 when its `event` field is not a number)."""
    raw_event = fields.get("event", "")
    event_id = int(raw_event) if _digits(raw_event) else 0
    try:
        issue = _issue(partition, fields)
    except ValueError as error:
        return FeedEntry(
            event_id=event_id, entry_id=entry_id, issue=None, raw=dict(fields), problem=str(error)
        )
    return FeedEntry(event_id=event_id, entry_id=entry_id, issue=issue, raw=dict(fields))


def _issue(partition: int, fields: Mapping[str, str]) -> IssuedCoupon:
    missing = sorted({"event", "coupon", "user", "at"} - fields.keys())
    if missing:
        raise ValueError(f"missing fields: {', '.join(missing)}")
    event_id = _number(fields, "event")
    if feed_partition(event_id) != partition:
        raise ValueError(f"event {fields['event']!r} does not belong in feed partition {partition}")
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


def _digits(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and len(raw) <= 18


def _number(fields: Mapping[str, str], name: str) -> int:
    raw = fields[name]
    if not _digits(raw) or int(raw) < 1:
        raise ValueError(f"{name} {raw[:40]!r} is not a positive integer")
    return int(raw)
