"""Every Lua script the Redis adapters run has run on the cluster: the contract suite's cluster
tests (run before this one) exercise each of them, and a script touching keys of two slots would
have failed the test that ran it (CROSSSLOT is never turned into a 503). Here: each script is in
some master's script cache, so none was left out."""

import hashlib
import re
from importlib import resources

import pytest
from redis import Redis
from redis.cluster import ClusterNode, RedisCluster

from adapters.redis.scripts import lua_source
from tests.contract.conftest import CLUSTER_RUNS
from tests.support.cluster import ClusterTopology

NOT_YET: dict[str, str] = {}
"""Scripts no contract test runs, and why."""


def scripts() -> list[str]:
    """The scripts the adapters call (`connector.script("name")`, `.acknowledged("name")`)."""
    adapters = resources.files("adapters.redis")
    calls = re.compile(r'\.(?:script|acknowledged)\("(\w+)"\)')
    return sorted(
        {
            name
            for entry in adapters.iterdir()
            if entry.name.endswith(".py")
            for name in calls.findall(entry.read_text())
        }
    )


def test_every_script_ran_on_the_cluster(redis_cluster: ClusterTopology) -> None:
    if not CLUSTER_RUNS["collected"] or CLUSTER_RUNS["set up"] < CLUSTER_RUNS["collected"]:
        pytest.skip("only after every contract test on the cluster ran in this session")
    names = scripts()
    shas = [hashlib.sha1(lua_source(name).encode()).hexdigest() for name in names]  # noqa: S324 - Redis names scripts by SHA-1
    startup = [ClusterNode(host, port) for host, port in redis_cluster.nodes]  # type: ignore[no-untyped-call]
    with RedisCluster(startup_nodes=startup, socket_timeout=5) as client:
        masters = [(node.host, int(node.port)) for node in client.get_primaries()]
    loaded = [False] * len(shas)
    for host, port in masters:
        with Redis(host=host, port=port, socket_timeout=5) as node:
            found = node.script_exists(*shas)
        loaded = [was or bool(now) for was, now in zip(loaded, found, strict=True)]

    assert len(names) >= 20
    assert [name for name, ran in zip(names, loaded, strict=True) if not ran] == list(NOT_YET)
