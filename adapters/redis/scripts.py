"""The Lua scripts: their source (with shared chunks included), and the scripts whose success
the service acknowledges to its clients, durable as configured."""

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from redis import exceptions
from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from ports.errors import BackendTimeout

if TYPE_CHECKING:
    from adapters.redis.client import ClusterClients

MAX_REDIRECTIONS: Final = 3
"""Redirections an acknowledged write on a cluster follows before giving up (503)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Durability:
    """What an acknowledged write waits for: `replicas` replicas holding it (`WAIT`), at most
    `timeout_ms`. 0 replicas: the master's acknowledgement is enough (asynchronous
    replication: a failover may lose the newest writes)."""

    replicas: int = 0
    timeout_ms: int = 200


_INCLUDE: Final = re.compile(r"^--! include (\w+)$", re.MULTILINE)


def lua_source(name: str) -> str:
    """The text of `lua/<name>.lua`, each `--! include <other>` line replaced by the text of
    `lua/<other>.lua`: code several scripts share (a script runs alone on the server, and
    cannot call another)."""
    source = resources.files(__package__).joinpath("lua", f"{name}.lua").read_text()
    return _INCLUDE.sub(lambda included: lua_source(included[1]), source)


class AcknowledgedScript:
    """A write script whose success means the write is durable as configured.

    Without replicas to wait for, a plain EVALSHA. With them, EVALSHA and `WAIT n timeout` go
    down one connection in one round trip (a pipeline, not a transaction: `WAIT` counts the
    replicas holding everything this connection wrote). Fewer replicas than asked within the
    timeout: the write may or may not survive a failover, so the caller gets `BackendTimeout`
    (503, try again; the scripts are retry-safe) and the shortfall is counted as
    `redis_errors_total{kind="replication"}`.
    """

    def __init__(
        self,
        client: Redis,
        script: AsyncScript,
        durability: Durability,
        *,
        report: Callable[[str, Exception], None],
        cluster: "ClusterClients | None" = None,
    ) -> None:
        self._client = client
        self._script = script
        self._durability = durability
        self._report = report
        self._cluster = cluster

    async def __call__(self, *, keys: Sequence[str], args: Sequence[Any]) -> Any:
        replicas = self._durability.replicas
        if replicas == 0:
            return await self._script(keys=keys, args=args)
        if self._cluster is None:
            result, acknowledged = await self._with_wait(self._client, keys, args)
        else:
            result, acknowledged = await self._on_the_keys_node(self._cluster, keys, args)
        if int(acknowledged) < replicas:
            error = BackendTimeout(
                f"{acknowledged} of {replicas} replicas acknowledged the write within "
                f"{self._durability.timeout_ms} ms: it might not survive a failover"
            )
            self._report("replication", error)
            raise error
        return result

    async def _with_wait(
        self, client: Redis, keys: Sequence[str], args: Sequence[Any], *, asking: bool = False
    ) -> tuple[Any, int]:
        """EVALSHA, then WAIT, down one connection of `client` in one round trip (after
        ASKING, for a slot being migrated to that node)."""
        for attempt in (1, 2):
            async with client.pipeline(transaction=False) as pipeline:
                if asking:
                    pipeline.execute_command("ASKING")
                pipeline.evalsha(self._script.sha, len(keys), *keys, *args)
                pipeline.execute_command(
                    "WAIT", self._durability.replicas, self._durability.timeout_ms
                )
                try:
                    *_, result, acknowledged = await pipeline.execute()
                except exceptions.NoScriptError:
                    if attempt == 2:
                        raise
                    # NOTE: an empty script cache (a restart, or a replica just promoted).
                    await client.script_load(self._script.script)
                    continue
            return result, acknowledged
        raise AssertionError("unreachable")

    async def _on_the_keys_node(
        self, cluster: "ClusterClients", keys: Sequence[str], args: Sequence[Any]
    ) -> tuple[Any, int]:
        """On a cluster, the WAIT must reach the node that took the write, on the same
        connection: the write and its WAIT go to the node owning the keys' slot, through that
        node's own client. Never acknowledged without its WAIT; the scripts are retry-safe, so
        the pair may be sent again:
        - MOVED (a failover, a reshard): the cluster client learns where the slot went (a
          keyed read follows the redirection) and the pair goes there;
        - ASK (the slot being migrated, these keys gone already): to the importing node, after
          ASKING;
        - TRYAGAIN (some of the keys moved, some not yet) or CLUSTERDOWN: again after a pause,
          `cluster.settle_delays` in all at most."""
        await cluster.client.initialize()  # the slots, once (a no-op afterwards)
        asking: tuple[str, int] | None = None
        delays = iter(cluster.settle_delays)
        for _ in range(MAX_REDIRECTIONS + len(cluster.settle_delays) + 1):
            if asking is None:
                node = cluster.client.get_node_from_key(keys[0])
                assert node is not None  # a primary always (None only when asking for a replica)
                target, asking_now = (node.host, int(node.port)), False
            else:
                target, asking_now = asking, True
            try:
                return await self._with_wait(cluster.nodes(*target), keys, args, asking=asking_now)
            except (exceptions.MovedError, exceptions.ConnectionError):
                # NOTE: before AskError, which MovedError subclasses.
                asking = None
                await cluster.client.exists(keys[0])  # follows MOVED, retries a failover
            except exceptions.AskError as ask:
                asking = (ask.host, ask.port)
            except (exceptions.TryAgainError, exceptions.ClusterDownError) as error:
                delay = next(delays, None)
                if delay is None:
                    raise BackendTimeout(
                        f"the slot of {keys[0]!r} is not settling: {error}"
                    ) from error
                asking = None
                await asyncio.sleep(delay)
        raise BackendTimeout(f"the slot of {keys[0]!r} kept moving: try again")
