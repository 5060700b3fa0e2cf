"""Redis `CouponLedger`: per event a hash (definition), a sorted set of claims (user -> coupon
number) and a hash of claim tokens, all under one hash tag."""

from adapters.redis import keys
from adapters.redis.client import RedisConnector
from domain.model.coupons import (
    Claimed,
    ClaimRefusal,
    ClaimResult,
    ClaimsPage,
    ClaimStrategy,
    Coupon,
    CouponEvent,
    CouponEventDraft,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from ports.coupon_ledger import CouponLedger
from ports.errors import BackendUnavailable


class RedisCouponLedger(CouponLedger):
    """`claim_atomically` is `coupon_claim.lua`; the primitives are single commands, a MULTI
    or a one-command script (`record`), each its own round trip, so that composing them races
    exactly as it would in any client that checks and then acts. The claims' writes are
    acknowledged writes (`RedisConnector.acknowledged`)."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client
        self._claim = connector.acknowledged("coupon_claim")
        self._record = connector.acknowledged("coupon_record")

    async def create(self, draft: CouponEventDraft) -> CouponEvent:
        with self._connector.errors():
            event_id = int(await self._redis.incr(keys.coupon_event_ids()))
            await self._redis.hset(
                keys.coupon_event(event_id),
                mapping={
                    "name": draft.name,
                    "quantity": draft.quantity,
                    "strategy": draft.strategy.value,
                },
            )
        return CouponEvent(
            id=event_id, name=draft.name, quantity=draft.quantity, strategy=draft.strategy
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
        self, event: CouponEvent, user_id: UserId, *, claim_token: str
    ) -> ClaimResult:
        with self._connector.errors():
            result = await self._claim(
                keys=[
                    keys.coupon_event(event.id),
                    keys.coupon_claims(event.id),
                    keys.coupon_claim_tokens(event.id),
                ],
                args=[user_id, claim_token],
            )
        match result[0]:
            case 1:
                coupon = Coupon(event_id=event.id, coupon_id=int(result[1]), user_id=user_id)
                return Claimed(coupon=coupon, issued=int(result[2]))
            case 0:
                return ClaimRefusal.ALREADY_CLAIMED
            case -1:
                return ClaimRefusal.SOLD_OUT
        raise BackendUnavailable(f"coupon event {event.id} is missing from redis")

    async def issued(self, event_id: int) -> int:
        with self._connector.errors():
            return int(await self._redis.zcard(keys.coupon_claims(event_id)))

    async def holder_coupon(self, event_id: int, user_id: UserId) -> Coupon | None:
        with self._connector.errors():
            number = await self._redis.zscore(keys.coupon_claims(event_id), user_id)
        if number is None:
            return None
        return Coupon(event_id=event_id, coupon_id=int(number), user_id=user_id)

    async def record(self, coupon: Coupon) -> bool:
        with self._connector.errors():
            number = await self._record(
                keys=[keys.coupon_claims(coupon.event_id)],
                args=[coupon.user_id, coupon.coupon_id],
            )
        # Added now, or by the first run of this very call: the user holds this coupon.
        return number is not None and int(number) == coupon.coupon_id

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
