"""The redis profile assembled as the app builds it, for suites that drive its use-cases and
look through its ports (the ledger suites): settings, start and stop, and waiting for the
asynchronous ledger worker."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from composition.root import Assembly, assemble
from composition.settings import Profile, Settings
from domain.model.coupons import ClaimStrategy, Coupon, CouponEventDraft
from domain.model.identity import UserId
from ports.coupon_archive import CouponArchive
from ports.coupon_ledger import CouponLedger
from ports.ledger_feed import LedgerFeed

DEADLINE_SECONDS = 10.0
"""Roomy: these herds check what is kept, not how fast (the load runs measure that)."""


@dataclass
class RunningProfile:
    """The redis profile's container, and the ports the tests look through."""

    built: Assembly
    usecases: Any
    ledger: CouponLedger
    archive: CouponArchive
    feed: LedgerFeed


def redis_settings(redis_url: str, database_url: str, **changes: Any) -> Settings:
    return replace(
        Settings(),
        profile=Profile.REDIS,
        redis_url=redis_url,
        database_url=database_url,
        admin_token="admin-token-for-tests-0123456789",
        otp_secret="otp-secret-for-tests-0123456789",
        **{"request_deadline_seconds": DEADLINE_SECONDS, **changes},
    )


@asynccontextmanager
async def redis_profile(
    settings: Settings, *, worker: bool = True
) -> AsyncIterator[RunningProfile]:
    """The profile as the app builds it; with `worker`, its backends and its ledger worker
    started as on ASGI lifespan."""
    built = assemble(settings)
    adapters: Any = built.adapters
    backends = built.backends() if worker else built.profile_backends()
    if worker:
        await backends.startup()
    try:
        yield RunningProfile(
            built,
            built.container.usecases(),
            adapters.coupons(),
            adapters.archive(),
            adapters.ledger_feed(),
        )
    finally:
        await backends.shutdown()


async def until(condition: Callable[[], Awaitable[bool]], *, within: float = 60) -> None:
    """Wait until `condition()` holds: it polls the progress of a worker (in this process or
    another), which is asynchronous by design; the test fails after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


async def drained(feed: LedgerFeed, *, within: float = 60) -> float:
    """Wait until every entry of the feed is archived; the seconds it took."""
    started = time.monotonic()

    async def empty() -> bool:
        return (await feed.backlog()).empty

    await until(empty, within=within)
    return time.monotonic() - started


def owners(coupons: Any) -> set[tuple[int, str]]:
    return {(coupon.coupon_id, coupon.user_id) for coupon in coupons}


async def herd(
    usecases: Any, event_id: int, users: int, prefix: str = "user"
) -> list[Coupon | BaseException]:
    results: list[Coupon | BaseException] = await asyncio.gather(
        *(usecases.claim_coupon(event_id, UserId(f"{prefix}{n}")) for n in range(users)),
        return_exceptions=True,
    )
    return results


async def open_event(usecases: Any, quantity: int, strategy: ClaimStrategy) -> int:
    draft = CouponEventDraft(name="herd", quantity=quantity, strategy=strategy)
    event_id: int = (await usecases.create_coupon_event(draft)).id
    return event_id
