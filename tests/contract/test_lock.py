"""`Lock` contract: mutual exclusion, bounded wait, lease expiry, safe release."""

import asyncio

import pytest

from ports.errors import LockNotAcquired
from tests.contract.backends import Backend


async def test_holders_never_overlap(backend: Backend) -> None:
    inside = 0
    most_inside = 0
    entries = 0

    async def critical_section() -> None:
        nonlocal inside, most_inside, entries
        async with backend.lock().hold("counter", ttl_seconds=30, wait_seconds=30):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0)  # let every other task try to get in now
            await asyncio.sleep(0)
            entries += 1
            inside -= 1

    await asyncio.gather(*(critical_section() for _ in range(200)))

    assert (most_inside, entries) == (1, 200)


async def test_a_busy_lock_is_not_acquired_within_the_wait(backend: Backend) -> None:
    async with backend.lock().hold("busy", ttl_seconds=30, wait_seconds=1):
        with pytest.raises(LockNotAcquired):
            async with backend.lock().hold("busy", ttl_seconds=30, wait_seconds=0.05):
                pytest.fail("entered a held lock")


async def test_locks_of_other_names_are_independent(backend: Backend) -> None:
    async with (
        backend.lock().hold("one", ttl_seconds=30, wait_seconds=0.05),
        backend.lock().hold("two", ttl_seconds=30, wait_seconds=0.05),
    ):
        pass


async def test_a_released_lock_can_be_taken_at_once(backend: Backend) -> None:
    async with backend.lock().hold("again", ttl_seconds=30, wait_seconds=0.05):
        pass
    async with backend.lock().hold("again", ttl_seconds=30, wait_seconds=0.05):
        pass


async def test_an_expired_lease_frees_the_lock_and_its_holder_cannot_release_the_next(
    backend: Backend,
) -> None:
    first = backend.lock().hold("lease", ttl_seconds=10, wait_seconds=1)
    await first.__aenter__()
    await backend.advance(10)  # the first holder has crashed, or is far too slow

    second = backend.lock().hold("lease", ttl_seconds=10, wait_seconds=0.05)
    await second.__aenter__()
    await first.__aexit__(None, None, None)  # the late first holder "releases"

    with pytest.raises(LockNotAcquired):
        async with backend.lock().hold("lease", ttl_seconds=10, wait_seconds=0.05):
            pytest.fail("the first holder released the second holder's lease")
    await second.__aexit__(None, None, None)
