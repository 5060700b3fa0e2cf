"""Each Redis adapter operation next to the raw redis-py call(s) it makes, on one server.

`adapter` is the port call (key names, codec, error translation, result types); `raw` sends
the same commands straight through redis-py. Each round runs a batch of both, one after the
other, alternating which goes first: on a shared machine whose speed drifts, only
interleaving compares like with like. The fastest batch of each side gives the per-call times
and their ratio (in `extra_info`). Target: single-command operations within 1.3x of raw.
"""

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from redis.asyncio import Redis

from adapters.http.messages.notices import render_page
from adapters.redis import keys
from adapters.redis.cache import RedisCache
from adapters.redis.client import RedisConnector
from adapters.redis.coupon_ledger import RedisCouponLedger
from adapters.redis.event_bus import RedisEventBus
from adapters.redis.health import RedisProbe
from adapters.redis.ranking import RedisRanking
from adapters.redis.search_history import RedisSearchHistory
from adapters.redis.token_store import RedisTokenStore
from adapters.redis.usage_log import RedisUsageLog
from domain.model.events import BusMessage
from domain.model.identity import UserId
from domain.model.notices import Notice, NoticePage
from domain.model.paging import PageRequest
from domain.model.usage import UsageRecord
from ports.cache import CacheMiss
from ports.event_bus import HISTORY_SIZE
from tests.benchmarks.conftest import BATCH, Call, Loop
from tests.support.coupons import open_event

pytestmark = pytest.mark.benchmark

DIGEST = "d" * 64
ALICE = UserId("alice")
PAGE = PageRequest(limit=20)
EVENT_ID = 1  # the first event created on the emptied server
RAW_MESSAGE = b'{"type":"tick","payload":{"n":1}}'
BOARD = keys.leaderboard("bench")


_ingestions = itertools.count()
USAGE_RECORD = UsageRecord(source="bench", seq=1)


async def _append(connector: RedisConnector) -> None:
    await RedisUsageLog(connector).append(
        USAGE_RECORD, ingestion_id=f"a{next(_ingestions)}", retention_seconds=3600
    )


async def _publish_raw(connector: RedisConnector) -> None:
    await connector.script("event_publish")(
        keys=[
            keys.event_history("bench"),
            keys.event_history_notes("bench"),
            keys.event_published("bench", f"r{next(_ingestions)}"),
        ],
        args=[keys.channel("bench"), RAW_MESSAGE, HISTORY_SIZE, 60_000, 0],
    )


async def _append_raw(connector: RedisConnector) -> None:
    ingestion = f"r{next(_ingestions)}"
    await connector.script("usage_append")(
        keys=[
            keys.usage_count("bench"),
            keys.usage_seqs("bench"),
            keys.usage_ingestion("bench", ingestion),
        ],
        args=[1, 300_000, 3_600_000],
    )


@dataclass(frozen=True)
class Pair:
    """An adapter call and the raw call(s) it stands for."""

    name: str
    adapter: Callable[[RedisConnector], Call]
    raw: Callable[[Redis, RedisConnector], Call]
    single_command: bool = True


PAIRS = [
    Pair(
        "GET session",
        lambda c: partial(RedisTokenStore(c).session_user, DIGEST),
        lambda r, c: partial(r.get, keys.session(DIGEST)),
    ),
    Pair(
        "SET session",
        lambda c: partial(RedisTokenStore(c).open_session, "e" * 64, ALICE, ttl_seconds=60),
        lambda r, c: partial(r.set, keys.session("e" * 64), ALICE, ex=60),
    ),
    Pair(
        "EVALSHA stock",
        lambda c: partial(RedisCouponLedger(c).stock, EVENT_ID),
        lambda r, c: partial(c.script("coupon_stock"), keys=[keys.coupon_claims(EVENT_ID)]),
    ),
    Pair(
        "ZSCORE holder (none)",
        lambda c: partial(RedisCouponLedger(c).holder_coupon, EVENT_ID, UserId("nobody")),
        lambda r, c: partial(r.zscore, keys.coupon_claims(EVENT_ID), "nobody"),
    ),
    Pair(
        "LRANGE history",
        lambda c: partial(RedisSearchHistory(c).recent, ALICE),
        lambda r, c: partial(r.lrange, keys.search_history(ALICE), 0, -1),
    ),
    Pair(
        "SET generation (invalidate)",
        lambda c: RedisCache(c).invalidate_pages,
        lambda r, c: partial(r.set, keys.cache_generation(), "0123456789abcdef"),
    ),
    Pair(
        "EVALSHA publish (marker, XADD, trim, PUBLISH)",
        lambda c: partial(
            RedisEventBus(c, confirm_timeout_seconds=1).publish,
            BusMessage(channel="bench", type="tick", payload={"n": 1}),
        ),
        lambda r, c: partial(_publish_raw, c),
    ),
    Pair("PING", lambda c: RedisProbe(c).check, lambda r, c: r.ping),
    Pair(
        "MGET page (a hit: the rendered bytes)",
        lambda c: partial(RedisCache(c).lookup, PAGE),
        lambda r, c: partial(r.mget, keys.cache_generation(), keys.cache_page(PAGE)),
    ),
    Pair(
        "EVALSHA usage append (marker, INCR, SADD)",
        lambda c: partial(_append, c),
        lambda r, c: partial(_append_raw, c),
    ),
    Pair(
        "EVALSHA standing",
        lambda c: partial(RedisRanking(c).standing, "bench", "m42"),
        lambda r, c: partial(c.script("ranking_standing"), keys=[BOARD], args=["m42"]),
    ),
    Pair(
        "EVALSHA leaderboard page of 10",
        lambda c: partial(RedisRanking(c).page, "bench", PageRequest(limit=10)),
        lambda r, c: partial(c.script("ranking_page"), keys=[BOARD], args=[0, 9]),
    ),
]


@pytest.fixture(scope="module")
def prepared(loop: Loop, connector: RedisConnector) -> None:
    """Data for the reads: a session, a cached page, a board, an event with claims, a history."""
    notices = tuple(
        Notice(id=n, title=f"Notice {n}", body="A sentence. " * 8, created_at=datetime.now(UTC))
        for n in range(20, 0, -1)
    )
    cache, ranking, ledger = (
        RedisCache(connector),
        RedisRanking(connector),
        RedisCouponLedger(connector),
    )

    async def prepare() -> None:
        await RedisTokenStore(connector).open_session(DIGEST, ALICE, ttl_seconds=3600)
        miss = await cache.lookup(PAGE)
        assert isinstance(miss, CacheMiss)
        fill = await cache.begin_fill(PAGE, miss.stamp, lease_seconds=10)
        page = NoticePage(request=PAGE, items=notices, total=20)
        await cache.store(PAGE, render_page(page), fill, ttl_seconds=3600)
        for n in range(100):
            await ranking.put("bench", f"m{n}", n)
        event = await open_event(ledger, quantity=10**6, name="b")
        assert event.id == EVENT_ID
        for n in range(50):
            await ledger.claim_atomically(
                event.id, UserId(f"u{n}"), claim_token=f"t{n}", claimed_at=datetime.now(UTC)
            )
        for term in "abcde":
            await RedisSearchHistory(connector).record(ALICE, term, keep=5, ttl_seconds=3600)

    loop.run(prepare())


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair.name)
def test_adapter_against_raw(
    benchmark: BenchmarkFixture,
    loop: Loop,
    redis: Redis,
    connector: RedisConnector,
    prepared: None,
    pair: Pair,
) -> None:
    batches = {
        "adapter": loop.batch(pair.adapter(connector)),
        "raw": loop.batch(pair.raw(redis, connector)),
    }
    fastest = {"adapter": float("inf"), "raw": float("inf")}
    order = ["adapter", "raw"]

    def round_of_both() -> None:
        order.reverse()
        for side in order:
            started = time.perf_counter()
            batches[side]()
            fastest[side] = min(fastest[side], time.perf_counter() - started)

    benchmark.group = pair.name
    benchmark.pedantic(round_of_both, rounds=40, warmup_rounds=2)  # type: ignore[no-untyped-call]
    adapter_us, raw_us = (fastest[side] / BATCH * 1e6 for side in ("adapter", "raw"))
    benchmark.extra_info.update(
        adapter_us=round(adapter_us, 1),
        raw_us=round(raw_us, 1),
        ratio=round(adapter_us / raw_us, 3),
        single_command=pair.single_command,
    )
