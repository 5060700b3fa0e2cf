"""`UsageLog` contract."""

import asyncio

from domain.model.usage import UsageRecord, UsageStats
from tests.contract.backends import Backend


async def test_counts_records_and_distinct_sequence_numbers(backend: Backend) -> None:
    log = backend.usage()
    for seq in [0, 1, 1, 2]:
        await log.append(UsageRecord(source="meter", seq=seq, payload={"kwh": 2}))
    await log.append(UsageRecord(source="other", seq=0))

    assert await backend.usage().stats("meter") == UsageStats(
        source="meter", count=4, distinct_seq=3
    )
    assert await log.stats("nobody") == UsageStats(source="nobody", count=0, distinct_seq=0)


async def test_concurrent_appends_are_all_acknowledged_and_counted(backend: Backend) -> None:
    await asyncio.gather(
        *(backend.usage().append(UsageRecord(source="m", seq=n)) for n in range(500))
    )

    assert await backend.usage().stats("m") == UsageStats(source="m", count=500, distinct_seq=500)


async def test_a_huge_sequence_number_is_kept_exactly(backend: Backend) -> None:
    await backend.usage().append(UsageRecord(source="m", seq=2**63 - 1))
    await backend.usage().append(UsageRecord(source="m", seq=2**63 - 2))

    assert (await backend.usage().stats("m")).distinct_seq == 2
