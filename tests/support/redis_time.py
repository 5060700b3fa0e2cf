"""Letting time pass on a Redis server without waiting."""

from redis.asyncio import Redis


async def shift_ttls(client: Redis, seconds: float) -> None:
    """Shorten every key's TTL by `seconds`, deleting what expires. Redis TTLs are relative,
    so this is exactly time passing for them."""
    elapsed_ms = int(seconds * 1000)
    async for key in client.scan_iter(count=1000):
        remaining = await client.pttl(key)
        if remaining < 0:
            continue
        if remaining <= elapsed_ms:
            await client.delete(key)
        else:
            await client.pexpire(key, remaining - elapsed_ms)
