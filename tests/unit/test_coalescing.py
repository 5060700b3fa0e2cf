"""`ReadCoalescer`: one read for the callers of one key, never a read older than the call."""

import asyncio
import gc
from typing import Any

import pytest

from adapters.redis.coalescing import ReadCoalescer
from ports.errors import BackendUnavailable


class Store:
    """A value and reads of it that the test lets finish one by one. A read answers with the
    value as it was when the read started: the worst case of a real server, which may run a
    command any time after it was sent."""

    def __init__(self) -> None:
        self.value = "v0"
        self.reads: list[asyncio.Future[None]] = []

    async def read(self, key: str) -> str:
        seen = self.value
        landing = asyncio.get_running_loop().create_future()
        self.reads.append(landing)
        await landing
        return f"{key}={seen}"

    async def started(self, count: int) -> None:
        """Runs the other tasks until `count` reads have started and every caller is waiting."""
        for _ in range(100):
            await asyncio.sleep(0)  # NOTE: one turn of the loop, not a delay
        assert len(self.reads) == count

    def land(self, n: int, error: BaseException | None = None) -> None:
        if error is None:
            self.reads[n].set_result(None)
        else:
            self.reads[n].set_exception(error)


@pytest.fixture
def store() -> Store:
    return Store()


def calls(coalescer: ReadCoalescer[str, str], key: str, n: int) -> list["asyncio.Task[str]"]:
    return [asyncio.create_task(coalescer(key)) for _ in range(n)]


async def shared_read_out(
    store: Store, coalescer: ReadCoalescer[str, str], callers: int
) -> tuple["asyncio.Task[str]", list["asyncio.Task[str]"]]:
    """A first caller's read, answered; `callers` more who came meanwhile, their shared
    read (the second) out."""
    (first,) = calls(coalescer, "k", 1)
    await store.started(1)
    later = calls(coalescer, "k", callers)
    store.land(0)
    await store.started(2)
    return first, later


async def test_a_lone_caller_reads_at_once(store: Store) -> None:
    coalescer = ReadCoalescer(store.read)
    (call,) = calls(coalescer, "k", 1)
    await store.started(1)

    store.land(0)

    assert await call == "k=v0"


async def test_callers_during_a_read_share_the_next_read_which_starts_after_them(
    store: Store,
) -> None:
    coalescer = ReadCoalescer(store.read)
    (first,) = calls(coalescer, "k", 1)
    await store.started(1)
    store.value = "v1"  # a write acknowledged while the first read is out
    later = calls(coalescer, "k", 20)
    await store.started(1)  # they wait: the read out was sent before they asked

    store.land(0)
    await store.started(2)
    store.land(1)

    assert await first == "k=v0"
    assert await asyncio.gather(*later) == ["k=v1"] * 20  # one read, and it saw the write


async def test_each_wave_of_callers_takes_the_read_after_the_one_out(store: Store) -> None:
    coalescer = ReadCoalescer(store.read)
    waves = [calls(coalescer, "k", 1)]
    await store.started(1)
    for n in range(1, 4):
        store.value = f"v{n}"
        waves.append(calls(coalescer, "k", 5))
        store.land(n - 1)
        await store.started(n + 1)
    store.land(3)

    answers = [await asyncio.gather(*wave) for wave in waves]

    assert answers == [["k=v0"], ["k=v1"] * 5, ["k=v2"] * 5, ["k=v3"] * 5]


async def test_keys_do_not_wait_for_each_other(store: Store) -> None:
    coalescer = ReadCoalescer(store.read)
    a, b = asyncio.create_task(coalescer("a")), asyncio.create_task(coalescer("b"))
    await store.started(2)

    store.land(1)
    store.land(0)

    assert (await a, await b) == ("a=v0", "b=v0")


async def test_a_caller_that_gives_up_leaves_the_others_their_read(store: Store) -> None:
    coalescer = ReadCoalescer(store.read)
    (first,) = calls(coalescer, "k", 1)
    await store.started(1)
    later = calls(coalescer, "k", 3)
    await store.started(1)

    first.cancel()  # its read is abandoned: the others go on
    await store.started(2)
    later[0].cancel()  # a caller of the shared read leaves: the read goes on for the others
    await asyncio.sleep(0)
    store.land(1)

    assert await asyncio.gather(*later[1:]) == ["k=v0", "k=v0"]
    assert first.cancelled()
    assert later[0].cancelled()
    assert len(store.reads) == 2


async def test_a_failure_reaches_the_callers_of_that_read_only(store: Store) -> None:
    coalescer = ReadCoalescer(store.read)
    first, later = await shared_read_out(store, coalescer, 3)

    store.land(1, BackendUnavailable("gone"))
    outcomes = await asyncio.gather(*later, return_exceptions=True)
    (again,) = calls(coalescer, "k", 1)
    await store.started(3)
    store.land(2)

    assert await first == "k=v0"
    assert all(isinstance(outcome, BackendUnavailable) for outcome in outcomes)
    assert await again == "k=v0"


async def test_a_shared_read_that_fails_after_every_caller_left_is_not_reported(
    store: Store,
) -> None:
    reported: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: reported.append(context))
    coalescer = ReadCoalescer(store.read)
    first, later = await shared_read_out(store, coalescer, 2)
    for call in later:
        call.cancel()
    await asyncio.sleep(0)

    store.land(1, BackendUnavailable("gone"))
    await first
    await store.started(2)
    del later
    gc.collect()

    assert reported == []
