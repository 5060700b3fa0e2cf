"""A master of the cluster killed under acknowledged writes: its replica takes the slots over,
the writes find it (MOVED, or a refused connection, then the new owner), and every write that
was acknowledged is on the new master, since each waited for a replica first.

With one replica per master, the promoted replica has none of its own: writes that must wait
for a replica (`REDIS_WAIT_REPLICAS=1`) are refused until the killed node is back, as a
process supervisor would bring it back, now a replica of the new master."""

import asyncio
import time

from adapters.redis import keys
from adapters.redis.client import RedisConnector
from adapters.redis.usage_log import RedisUsageLog
from tests.support.cluster import ClusterTopology
from tests.support.writers import AcknowledgedWriters

SOURCE = "cluster-chaos"


async def owner(cluster: ClusterTopology, key: str) -> int | None:
    """The port of the master serving `key`'s slot; None while no master serves it."""
    try:
        return await asyncio.to_thread(cluster.master, key)
    except RuntimeError:
        return None


async def test_every_acknowledged_write_survives_a_killed_master(
    connector: RedisConnector, redis_cluster: ClusterTopology
) -> None:
    key = keys.usage_count(SOURCE)
    async with AcknowledgedWriters(RedisUsageLog(connector), SOURCE) as writers:
        await writers.until_acknowledged(100, after=0, seconds=5)
        killed = await asyncio.to_thread(redis_cluster.run, "kill-master", key)
        killed_at = time.monotonic()
        old = int(killed.split("KILLED_MASTER=")[1].split()[0])
        async with asyncio.timeout(30):
            while await owner(redis_cluster, key) in (old, None):  # noqa: ASYNC110 - the cluster's state: no event
                await asyncio.sleep(0.1)
        promoted_after = time.monotonic() - killed_at
        await asyncio.to_thread(redis_cluster.run, "revive")
        await writers.until_acknowledged(100, after=killed_at, seconds=30)

    stored = {int(seq) for seq in await connector.client.smembers(keys.usage_seqs(SOURCE))}
    lost = sorted(set(writers.acknowledged) - stored)
    assert lost == [], f"{len(lost)} acknowledged writes lost: {lost[:10]}"
    recovered_after = min(at for at in writers.acknowledged_at if at > killed_at) - killed_at
    print(
        f"cluster failover: replica promoted after {promoted_after:.2f} s, acknowledged writes "
        f"back after {recovered_after:.2f} s (with the node revived), {writers.refused} refused"
    )
