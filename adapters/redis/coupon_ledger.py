"""Redis `CouponLedger`: per event a hash (definition), a sorted set of claims (user -> coupon
number), hashes of claim tokens and claim times, and the set of users whose coupon the archive
holds, all under the hash tag of the event's ledger feed partition, with that partition's feed
stream (`keys.coupon_feed_of`)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from adapters.ledger_entries import epoch_ms, from_epoch_ms
from adapters.redis import keys
from adapters.redis.client import RedisConnector
from domain.model.coupons import (
    AlreadyHeld,
    Claimed,
    ClaimRefusal,
    ClaimResult,
    ClaimsPage,
    ClaimStrategy,
    Coupon,
    CouponEvent,
    IssuedCoupon,
    Stock,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from ports.coupon_ledger import CouponLedger
from ports.errors import BackendUnavailable

LEDGER_GROUP: Final = "archive"
"""The consumer group of every ledger feed: the ledger workers."""
_CHUNK: Final = 1000


class RedisCouponLedger(CouponLedger):
    """`claim_atomically` is `coupon_claim.lua`; the primitives are single commands, a MULTI
    or a one-command script (`record`), each its own round trip, so that composing them races
    exactly as it would in any client that checks and then acts. Both scripts that issue a
    coupon append it to the event's ledger feed (`XADD`) inside the script. The claims' writes
    are acknowledged writes (`RedisConnector.acknowledged`)."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client
        self._claim = connector.acknowledged("coupon_claim")
        self._record = connector.acknowledged("coupon_record")
        self._open = connector.acknowledged("coupon_open")
        self._restore = connector.acknowledged("coupon_restore")
        self._raise = connector.acknowledged("counter_raise")
        self._stock = connector.script("coupon_stock")
        self._confirm = connector.script("coupon_confirm")

    async def new_event_id(self) -> int:
        with self._connector.errors():
            return int(await self._redis.incr(keys.coupon_event_ids()))

    async def skip_event_ids(self, through: int) -> None:
        with self._connector.errors():
            await self._raise(keys=[keys.coupon_event_ids()], args=[through])

    async def open(self, event: CouponEvent) -> None:
        with self._connector.errors():
            # NOTE: listed first, so that `coupons reconcile --all` never misses an open event
            # (a listed event not open yet reconciles as "missing live").
            await self._redis.sadd(keys.coupon_events(), event.id)
            await self._open(
                keys=[keys.coupon_event(event.id), keys.coupon_feed_of(event.id)],
                args=[event.name, event.quantity, event.strategy.value, LEDGER_GROUP],
            )

    async def event(self, event_id: int) -> CouponEvent | None:
        with self._connector.errors():
            async with self._redis.pipeline(transaction=True) as transaction:
                transaction.hgetall(keys.coupon_event(event_id))
                transaction.zcard(keys.coupon_claims(event_id))
                fields, issued = await transaction.execute()
        if not fields:
            return None
        return CouponEvent(
            id=event_id,
            name=fields[b"name"].decode(),
            quantity=int(fields[b"quantity"]),
            strategy=ClaimStrategy(fields[b"strategy"].decode()),
            issued=int(issued),
        )

    async def event_ids(self) -> Sequence[int]:
        with self._connector.errors():
            registered = await self._redis.smembers(keys.coupon_events())
        return sorted(int(event_id) for event_id in registered)

    async def claim_atomically(
        self, event_id: int, user_id: UserId, *, claim_token: str, claimed_at: datetime
    ) -> ClaimResult:
        with self._connector.errors():
            result = await self._claim(
                keys=[
                    keys.coupon_event(event_id),
                    keys.coupon_claims(event_id),
                    keys.coupon_claim_tokens(event_id),
                    keys.coupon_claimed_at(event_id),
                    keys.coupon_feed_of(event_id),
                    keys.coupon_confirmed(event_id),
                ],
                args=[user_id, claim_token, epoch_ms(claimed_at), event_id],
            )
        return _claim_result(event_id, user_id, result)

    async def stock(self, event_id: int) -> Stock:
        with self._connector.errors():
            issued, number = await self._stock(keys=[keys.coupon_claims(event_id)])
        return Stock(issued=int(issued), next_number=int(number))

    async def holder_coupon(self, event_id: int, user_id: UserId) -> AlreadyHeld | None:
        # NOTE: one command for the herd, who hold nothing; the holder's details (a rarer
        # case) in a second round trip, in one transaction with the number again.
        with self._connector.errors():
            if await self._redis.zscore(keys.coupon_claims(event_id), user_id) is None:
                return None
            async with self._redis.pipeline(transaction=True) as transaction:
                transaction.zscore(keys.coupon_claims(event_id), user_id)
                transaction.hget(keys.coupon_claimed_at(event_id), user_id)
                transaction.sismember(keys.coupon_confirmed(event_id), user_id)
                number, claimed_at, confirmed = await transaction.execute()
        if number is None:
            return None
        return _held(event_id, user_id, number, claimed_at, confirmed)

    async def record(self, coupon: Coupon, *, claimed_at: datetime) -> ClaimResult:
        event_id = coupon.event_id
        with self._connector.errors():
            result = await self._record(
                keys=[
                    keys.coupon_event(event_id),
                    keys.coupon_claims(event_id),
                    keys.coupon_claimed_at(event_id),
                    keys.coupon_feed_of(event_id),
                    keys.coupon_confirmed(event_id),
                ],
                args=[coupon.user_id, coupon.coupon_id, epoch_ms(claimed_at), event_id],
            )
        return _claim_result(event_id, coupon.user_id, result)

    async def confirm(self, coupon: Coupon) -> None:
        # NOTE: not an acknowledged write: a mark lost in a failover only makes the next
        # refusal of this user write to the archive again (a repeat).
        event_id = coupon.event_id
        with self._connector.errors():
            await self._confirm(
                keys=[keys.coupon_claims(event_id), keys.coupon_confirmed(event_id)],
                args=[coupon.user_id, coupon.coupon_id],
            )

    async def claims(self, event_id: int, request: PageRequest) -> ClaimsPage:
        key = keys.coupon_claims(event_id)
        last = request.offset + request.limit - 1
        with self._connector.errors():
            async with self._redis.pipeline(transaction=True) as transaction:
                transaction.zrange(key, request.offset, last, withscores=True)
                transaction.zcard(key)
                entries, total = await transaction.execute()
        return ClaimsPage(
            total=int(total),
            items=tuple(
                Coupon(event_id=event_id, coupon_id=int(number), user_id=UserId(user.decode()))
                for user, number in entries
            ),
        )

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]:
        held: list[IssuedCoupon] = []
        with self._connector.errors():
            times = await self._redis.hgetall(keys.coupon_claimed_at(event_id))
            start = 0
            while True:
                entries: list[Any] = await self._redis.zrange(
                    keys.coupon_claims(event_id), start, start + _CHUNK - 1, withscores=True
                )
                for user, number in entries:
                    held.append(
                        IssuedCoupon(
                            event_id=event_id,
                            coupon_id=int(number),
                            user_id=UserId(user.decode()),
                            claimed_at=from_epoch_ms(int(times.get(user, 0))),
                        )
                    )
                if len(entries) < _CHUNK:
                    return held
                start += _CHUNK

    async def restore(self, event: CouponEvent, coupons: Sequence[IssuedCoupon]) -> int:
        event_id = event.id
        changed = 0
        with self._connector.errors():
            await self._redis.sadd(keys.coupon_events(), event_id)
            for start in range(0, len(coupons), _CHUNK):
                triples = [
                    value
                    for coupon in coupons[start : start + _CHUNK]
                    for value in (coupon.user_id, coupon.coupon_id, epoch_ms(coupon.claimed_at))
                ]
                changed += int(
                    await self._restore(
                        keys=[
                            keys.coupon_claims(event_id),
                            keys.coupon_claimed_at(event_id),
                            keys.coupon_claim_tokens(event_id),
                            keys.coupon_confirmed(event_id),
                        ],
                        args=triples,
                    )
                )
            # NOTE: the definition last: until it is back, claims see no event and wait for
            # the restore instead of numbering coupons against half of the archive.
            await self._open(
                keys=[keys.coupon_event(event_id), keys.coupon_feed_of(event_id)],
                args=[event.name, event.quantity, event.strategy.value, LEDGER_GROUP],
            )
        # NOTE: event ids come from a counter a flush resets: never hand this one out again.
        await self.skip_event_ids(event_id)
        return changed


def _claim_result(event_id: int, user_id: UserId, reply: Any) -> ClaimResult:
    """The answer of `coupon_claim.lua` / `coupon_record.lua`."""
    match reply[0]:
        case 1:
            coupon = Coupon(event_id=event_id, coupon_id=int(reply[1]), user_id=user_id)
            return Claimed(coupon=coupon, issued=int(reply[2]))
        case 0:
            return _held(event_id, user_id, reply[1], reply[2], reply[3])
        case -1:
            return ClaimRefusal.SOLD_OUT
        case -2:
            return ClaimRefusal.NO_EVENT
    raise BackendUnavailable(f"unexpected reply from a claim script: {reply!r}")


def _held(event_id: int, user_id: UserId, number: Any, ms: Any, confirmed: Any) -> AlreadyHeld:
    return AlreadyHeld(
        coupon=Coupon(event_id=event_id, coupon_id=int(number), user_id=user_id),
        claimed_at=from_epoch_ms(int(ms or 0)),
        archived=bool(int(confirmed)),
    )
