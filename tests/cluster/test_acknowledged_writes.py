"""An acknowledged write on a Redis Cluster waits for a replica of the node that took it, on the
connection that carried it, and follows its slot when the slot moves between two writes."""

import asyncio

import pytest
from redis import exceptions
from redis.asyncio import Redis
from redis.crc import key_slot

from adapters.redis import keys
from adapters.redis.client import RedisConnector
from adapters.redis.usage_log import RedisUsageLog
from domain.model.usage import UsageRecord
from ports.errors import BackendUnavailable
from tests.support.cluster import ClusterTopology

SOURCE = "meter-7"


async def append(usage: RedisUsageLog, seq: int) -> None:
    record = UsageRecord(source=SOURCE, seq=seq, payload=None)
    await usage.append(record, ingestion_id=f"i{seq}", retention_seconds=600)


async def test_a_write_is_acknowledged_by_a_replica_of_the_node_that_owns_its_slot(
    connector: RedisConnector, redis_cluster: ClusterTopology
) -> None:
    usage = RedisUsageLog(connector)

    for seq in range(20):
        await append(usage, seq)

    assert (await usage.stats(SOURCE)).count == 20
    cluster = connector.cluster
    assert cluster is not None
    owner = await asyncio.to_thread(redis_cluster.master, keys.usage_count(SOURCE))
    node = cluster.nodes("127.0.0.1", owner)
    assert await node.get(keys.usage_count(SOURCE)) == b"20"  # it is that node's write
    assert await node.execute_command("WAIT", 1, 1000) >= 1  # type: ignore[no-untyped-call]


async def test_writes_follow_their_slot_when_it_moves_between_them(
    connector: RedisConnector, redis_cluster: ClusterTopology
) -> None:
    """The slot moves to another master (keys and all) after the client learned where it was:
    the next write meets MOVED at the old node and is sent again, with its WAIT, to the new."""
    usage = RedisUsageLog(connector)
    await append(usage, 0)
    before = await asyncio.to_thread(redis_cluster.master, keys.usage_count(SOURCE))

    await asyncio.to_thread(redis_cluster.run, "reshard", keys.usage_count(SOURCE))
    for seq in range(1, 11):
        await append(usage, seq)

    after = await asyncio.to_thread(redis_cluster.master, keys.usage_count(SOURCE))
    assert after != before
    stats = await usage.stats(SOURCE)
    assert (stats.count, stats.distinct_seq) == (11, 11)


async def test_keys_of_one_call_in_different_slots_are_a_bug_not_a_503(
    connector: RedisConnector,
) -> None:
    """Refused by the client (redis-py checks some commands' slots) or by the server
    (CROSSSLOT): either way the error reaches the caller as it is, never as a 503."""
    bugs = (exceptions.ClusterCrossSlotError, exceptions.RedisClusterException)
    for call in (
        connector.client.mget("a{one}", "b{two}"),
        connector.client.eval("return 1", 2, "a{one}", "b{two}"),
    ):
        with pytest.raises(bugs) as refused, connector.errors():
            await call
        assert not isinstance(refused.value, BackendUnavailable)


async def test_a_write_that_meets_a_half_migrated_slot_lands_once_the_slot_settles(
    connector: RedisConnector, redis_cluster: ClusterTopology
) -> None:
    """Mid-reshard, one of the script's keys has moved to the importing node and the others not
    yet: the owner answers TRYAGAIN. The write is sent again after a pause, and lands, with its
    WAIT, once the migration is over; it is not a 503 (it was, in a chaos run's reshard)."""
    usage = RedisUsageLog(connector)
    await append(usage, 0)
    key = keys.usage_count(SOURCE)
    slot = key_slot(key.encode())
    owner = await asyncio.to_thread(redis_cluster.master, key)
    cluster = connector.cluster
    assert cluster is not None
    other = next(
        int(node.port) for node in cluster.client.get_primaries() if int(node.port) != owner
    )
    source, target = cluster.nodes("127.0.0.1", owner), cluster.nodes("127.0.0.1", other)
    source_id = await source.execute_command("CLUSTER", "MYID")  # type: ignore[no-untyped-call]
    target_id = await target.execute_command("CLUSTER", "MYID")  # type: ignore[no-untyped-call]
    await target.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)  # type: ignore[no-untyped-call]
    await source.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)  # type: ignore[no-untyped-call]
    await source.execute_command("MIGRATE", "127.0.0.1", other, "", 0, 5000, "KEYS", key)  # type: ignore[no-untyped-call]

    write = asyncio.create_task(append(usage, 1))
    async with asyncio.timeout(5):
        while await tryagains(source) == 0:  # noqa: ASYNC110 - the server's own count
            await asyncio.sleep(0.01)
    rest = await source.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100)  # type: ignore[no-untyped-call]
    await source.execute_command("MIGRATE", "127.0.0.1", other, "", 0, 5000, "KEYS", *rest)  # type: ignore[no-untyped-call]
    for node in cluster.client.get_primaries():
        master = cluster.nodes(node.host, int(node.port))
        await master.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)  # type: ignore[no-untyped-call]
    await write

    stats = await usage.stats(SOURCE)
    assert (stats.count, stats.distinct_seq) == (2, 2)
    assert await asyncio.to_thread(redis_cluster.master, key) == other


async def tryagains(node: Redis) -> int:
    """TRYAGAIN answers the node has given (`INFO errorstats`)."""
    stats = await node.info("errorstats")
    return int(stats.get("errorstat_TRYAGAIN", {}).get("count", 0))
