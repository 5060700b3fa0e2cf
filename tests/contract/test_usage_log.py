"""`UsageLog` contract: acknowledged appends, counted once each, retries included."""

import asyncio
import itertools

import pytest

from domain.model.usage import UsageRecord, UsageStats
from tests.contract.backends import Backend
from tests.contract.redis_backends import Restartable

ids = (f"ingestion-{n}" for n in itertools.count())
WEEK = 604_800


async def test_a_source_expires_its_retention_after_its_last_record(backend: Backend) -> None:
    log = backend.usage()
    await log.append(UsageRecord(source="m", seq=1), ingestion_id=next(ids), retention_seconds=60)
    await backend.advance(50)
    await log.append(UsageRecord(source="m", seq=2), ingestion_id=next(ids), retention_seconds=60)
    await backend.advance(50)

    kept = await log.stats("m")
    await backend.advance(11)

    assert kept == UsageStats(source="m", count=2, distinct_seq=2), "the second record renewed it"
    assert await log.stats("m") == UsageStats(source="m", count=0, distinct_seq=0)


async def test_counts_records_and_distinct_sequence_numbers(backend: Backend) -> None:
    log = backend.usage()
    for seq in [0, 1, 1, 2]:
        record = UsageRecord(source="meter", seq=seq, payload={"kwh": 2})
        await log.append(record, ingestion_id=next(ids), retention_seconds=WEEK)
    await log.append(
        UsageRecord(source="other", seq=0), ingestion_id=next(ids), retention_seconds=WEEK
    )

    assert await backend.usage().stats("meter") == UsageStats(
        source="meter", count=4, distinct_seq=3
    )
    assert await log.stats("nobody") == UsageStats(source="nobody", count=0, distinct_seq=0)


async def test_concurrent_appends_are_all_acknowledged_and_counted(backend: Backend) -> None:
    await asyncio.gather(
        *(
            backend.usage().append(
                UsageRecord(source="m", seq=n), ingestion_id=next(ids), retention_seconds=WEEK
            )
            for n in range(500)
        )
    )

    assert await backend.usage().stats("m") == UsageStats(source="m", count=500, distinct_seq=500)


async def test_a_repeated_ingestion_id_is_stored_once(backend: Backend) -> None:
    record = UsageRecord(source="m", seq=7)
    await backend.usage().append(record, ingestion_id="same", retention_seconds=WEEK)
    await asyncio.gather(
        *(
            backend.usage().append(record, ingestion_id="same", retention_seconds=WEEK)
            for _ in range(20)
        )
    )

    assert await backend.usage().stats("m") == UsageStats(source="m", count=1, distinct_seq=1)


async def test_a_huge_sequence_number_is_kept_exactly(backend: Backend) -> None:
    await backend.usage().append(
        UsageRecord(source="m", seq=2**63 - 1), ingestion_id=next(ids), retention_seconds=WEEK
    )
    await backend.usage().append(
        UsageRecord(source="m", seq=2**63 - 2), ingestion_id=next(ids), retention_seconds=WEEK
    )

    assert (await backend.usage().stats("m")).distinct_seq == 2


async def test_an_append_resent_past_a_frozen_server_counts_once(backend: Backend) -> None:
    """The app's client (2 s deadline: 0.4 s socket timeout) times out on a server stopped
    with SIGSTOP for 0.7 s, reconnects, and sends the command again once the server answers
    the handshake. Thawed, the server runs both copies: a MULTI/EXEC counted twice here."""
    if not isinstance(backend, Restartable):
        pytest.skip("no server process to freeze: the backend is in this process")
    impatient = backend.with_deadline(2.0)
    try:
        warm_up = UsageRecord(source="warm-up", seq=0)
        await impatient.usage().append(
            warm_up, ingestion_id="warm-up", retention_seconds=WEEK
        )  # script loaded
        backend.freeze_server()
        try:
            append = asyncio.create_task(
                impatient.usage().append(
                    UsageRecord(source="m", seq=1), ingestion_id="frozen", retention_seconds=WEEK
                )
            )
            # The fault itself: the server stopped for 0.7 s, as the hostile sweep did.
            await asyncio.sleep(0.7)
        finally:
            backend.thaw_server()
        await append  # the retry's answer
        stats = await backend.usage().stats("m")
    finally:
        await impatient.close()

    assert stats == UsageStats(source="m", count=1, distinct_seq=1)
