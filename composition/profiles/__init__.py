"""The adapters of each profile, one module each; `PROFILES` is the one place that says which
module serves a profile."""

from collections.abc import Callable
from typing import Final

from dependency_injector import containers

from composition.profiles import cluster, memory, redis, sentinel
from composition.settings import Profile

PROFILES: Final[dict[Profile, Callable[..., containers.DeclarativeContainer]]] = {
    Profile.MEMORY: memory.adapters,
    Profile.REDIS: redis.adapters,
    Profile.SENTINEL: sentinel.adapters,
    Profile.CLUSTER: cluster.adapters,
}
"""Each profile's `adapters(clock=, metrics=, settings=)`: its adapters container."""
