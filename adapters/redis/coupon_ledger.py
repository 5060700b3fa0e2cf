"""Redis `CouponLedger`: per event a hash (definition), a sorted set of claims (user -> coupon
number), hashes of claim tokens and claim times, and the ledger feed (a stream), all under
one hash tag."""

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

    async def new_event_id(self) -> int:
        with self._connector.errors():
            return int(await self._redis.incr(keys.coupon_event_ids()))

    async def skip_event_ids(self, through: int) -> None:
        with self._connector.errors():
            await self._raise(keys=[keys.coupon_event_ids()], args=[through])

    async def open(self, event: CouponEvent) -> None:
        with self._connector.errors():
            # NOTE: registered first: a registered feed that is not open yet reads as empty,
            # an open feed nobody registered would never be read.
            await self._redis.sadd(keys.coupon_ledgers(), event.id)
            await self._open(
                keys=[keys.coupon_event(event.id), keys.coupon_ledger(event.id)],
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
                    keys.coupon_ledger(event_id),
                ],
                args=[user_id, claim_token, epoch_ms(claimed_at), event_id],
            )
        match result[0]:
            case 1:
                coupon = Coupon(event_id=event_id, coupon_id=int(result[1]), user_id=user_id)
                return Claimed(coupon=coupon, issued=int(result[2]))
            case 0:
                held = Coupon(event_id=event_id, coupon_id=int(result[1]), user_id=user_id)
                return AlreadyHeld(coupon=held)
            case -1:
                return ClaimRefusal.SOLD_OUT
            case -2:
                return ClaimRefusal.NO_EVENT
        raise BackendUnavailable(f"unexpected reply from the claim script: {result!r}")

    async def issued(self, event_id: int) -> int:
        with self._connector.errors():
            return int(await self._redis.zcard(keys.coupon_claims(event_id)))

    async def holder_coupon(self, event_id: int, user_id: UserId) -> Coupon | None:
        with self._connector.errors():
            number = await self._redis.zscore(keys.coupon_claims(event_id), user_id)
        if number is None:
            return None
        return Coupon(event_id=event_id, coupon_id=int(number), user_id=user_id)

    async def record(self, coupon: Coupon, *, claimed_at: datetime) -> int:
        event_id = coupon.event_id
        with self._connector.errors():
            number = await self._record(
                keys=[
                    keys.coupon_claims(event_id),
                    keys.coupon_claimed_at(event_id),
                    keys.coupon_ledger(event_id),
                ],
                args=[coupon.user_id, coupon.coupon_id, epoch_ms(claimed_at), event_id],
            )
        return int(number)

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
        definition = [event.name, event.quantity, event.strategy.value]
        restored = 0
        with self._connector.errors():
            await self._redis.sadd(keys.coupon_ledgers(), event.id)
            for start in range(0, max(1, len(coupons)), _CHUNK):
                triples = [
                    value
                    for coupon in coupons[start : start + _CHUNK]
                    for value in (coupon.user_id, coupon.coupon_id, epoch_ms(coupon.claimed_at))
                ]
                restored += int(
                    await self._restore(
                        keys=[
                            keys.coupon_event(event.id),
                            keys.coupon_claims(event.id),
                            keys.coupon_claimed_at(event.id),
                        ],
                        args=[*definition, *triples],
                    )
                )
            await self._open(
                keys=[keys.coupon_event(event.id), keys.coupon_ledger(event.id)],
                args=[*definition, LEDGER_GROUP],
            )
        # NOTE: event ids come from a counter a flush resets: never hand this one out again.
        await self.skip_event_ids(event.id)
        return restored
