"""Every Redis key and channel this service uses, in one place.

Keys one script or transaction touches share a {hash tag}, so that they live in one Cluster
slot: `rp:otp:{alice}:code` and `rp:otp:{alice}:issues`. The identifiers in tags cannot hold
braces (the input rules forbid them), so a tag cannot be forged.
"""

import functools

from adapters.ledger_entries import feed_partition
from domain.model.paging import PageRequest

PREFIX = "rp"


def cache_generation() -> str:
    return f"{PREFIX}:{{notices}}:generation"


@functools.lru_cache(maxsize=1024)
def cache_page(request: PageRequest) -> str:
    """(Built once per page: it is on every cache hit's path.)"""
    return f"{PREFIX}:{{notices}}:page:{request.limit}:{request.offset}"


def cache_fills(request: PageRequest) -> str:
    """Counter numbering the fills of a page."""
    return f"{PREFIX}:{{notices}}:fills:{request.limit}:{request.offset}"


def cache_lease(request: PageRequest, stamp: str) -> str:
    """The fill lease of a page in one generation."""
    return f"{PREFIX}:{{notices}}:lease:{stamp}:{request.limit}:{request.offset}"


def otp_code(user_id: str) -> str:
    return f"{PREFIX}:otp:{{{user_id}}}:code"


def otp_issues(user_id: str) -> str:
    return f"{PREFIX}:otp:{{{user_id}}}:issues"


def throttle(key: str) -> str:
    return f"{PREFIX}:throttle:{{{key}}}"


def session(token_digest: str) -> str:
    return f"{PREFIX}:session:{token_digest}"


def search_history(user_id: str) -> str:
    return f"{PREFIX}:searches:{{{user_id}}}"


def leaderboard(board: str) -> str:
    return f"{PREFIX}:board:{{{board}}}"


def applied_increment(board: str, increment_id: str) -> str:
    return f"{PREFIX}:board:{{{board}}}:applied:{increment_id}"


def coupon_event_ids() -> str:
    return f"{PREFIX}:coupon-events:ids"


def _coupons(event_id: int) -> str:
    """An event's keys: tagged with its ledger feed partition, so that the claim scripts'
    append to the partition's feed stays in the event's slot."""
    return f"{PREFIX}:coupon-event:{{coupons-{feed_partition(event_id)}}}:{event_id}"


def coupon_event(event_id: int) -> str:
    return _coupons(event_id)


def coupon_claims(event_id: int) -> str:
    """Sorted set: member = user id, score = coupon number."""
    return f"{_coupons(event_id)}:claims"


def coupon_claim_tokens(event_id: int) -> str:
    """Hash: user id -> the token of the atomic claim that granted the coupon."""
    return f"{_coupons(event_id)}:tokens"


def coupon_claimed_at(event_id: int) -> str:
    """Hash: user id -> when the coupon was claimed (milliseconds since the epoch)."""
    return f"{_coupons(event_id)}:claimed-at"


def coupon_confirmed(event_id: int) -> str:
    """Set: the users whose coupon the archive is known to hold (refusals name it at once)."""
    return f"{_coupons(event_id)}:archived"


def coupon_feed(partition: int) -> str:
    """Stream: one partition of the ledger feed, the issued coupons of its events on their way
    to the archive."""
    return f"{PREFIX}:coupon-feed:{{coupons-{partition}}}"


def coupon_feed_of(event_id: int) -> str:
    return coupon_feed(feed_partition(event_id))


def coupon_dead_letters(partition: int) -> str:
    """Stream: the partition's feed entries that could not be read as coupons, and why."""
    return f"{coupon_feed(partition)}:dead"


def coupon_events() -> str:
    """Set: the ids of the events Redis holds (for `coupons reconcile --all`; the ledger feed
    does not read it)."""
    return f"{PREFIX}:coupon-events:all"


def lock(name: str) -> str:
    return f"{PREFIX}:lock:{{{name}}}"


def usage_count(source: str) -> str:
    return f"{PREFIX}:usage:{{{source}}}:count"


def usage_seqs(source: str) -> str:
    return f"{PREFIX}:usage:{{{source}}}:seqs"


def usage_ingestion(source: str, ingestion_id: str) -> str:
    """Marker: this ingestion id was stored (its retries store nothing)."""
    return f"{PREFIX}:usage:{{{source}}}:ingested:{ingestion_id}"


def channel(name: str) -> str:
    """The shard channel (`SPUBLISH`/`SSUBSCRIBE`), with its history's tag: on a cluster both
    live in one slot, so the publish script may announce in the step that appends."""
    return f"{PREFIX}:events:{{{name}}}"


def event_history(channel: str) -> str:
    """The channel's newest events (a Stream)."""
    return f"{PREFIX}:history:{{{channel}}}"


def event_history_notes(channel: str) -> str:
    """What the history dropped (hash: `dropped`, the newest id trimmed away)."""
    return f"{PREFIX}:history:{{{channel}}}:notes"


def event_published(channel: str, publish_id: str) -> str:
    """Marker: this publish happened, and the id it gave (its retries publish nothing)."""
    return f"{PREFIX}:history:{{{channel}}}:published:{publish_id}"


def channel_name(key: str) -> str:
    """The bus channel of a Redis shard channel."""
    return key.removeprefix(f"{PREFIX}:events:{{").removesuffix("}")
