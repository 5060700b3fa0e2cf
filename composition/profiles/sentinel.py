"""The `sentinel` profile: the `redis` profile's adapters, with Redis found through the
Sentinels (`REDIS_SENTINELS`, `REDIS_SENTINEL_SERVICE`): whichever server they name master."""

from dependency_injector import providers

from adapters.redis.client import SentinelMaster, connect_via_sentinel
from composition.profiles.redis import RedisAdapters
from composition.settings import Settings


def sentinel_client(settings: Settings, max_connections: int) -> SentinelMaster:
    return connect_via_sentinel(
        settings.redis_sentinels,
        settings.redis_sentinel_service,
        deadline_seconds=settings.request_deadline_seconds,
        max_connections=max_connections,
    )


def adapters(**dependencies: object) -> RedisAdapters:
    return RedisAdapters(connect=providers.Object(sentinel_client), **dependencies)
