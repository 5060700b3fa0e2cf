"""What every profile's adapters container declares: the clock, the metrics and the settings it
is built with."""

from collections.abc import Callable

from dependency_injector import containers, providers

from adapters.prometheus.loop_metrics import LoopCounter
from adapters.prometheus.metrics import Metrics
from composition.settings import Settings
from ports.clock import Clock


class ProfileAdapters(containers.DeclarativeContainer):
    """The adapters of one profile (one module per profile: `composition.profiles`). Each
    declares a provider per port (`notices`, `cache`, `tokens`, `throttle`, `search_history`,
    `ranking`, `coupons`, `ledger_feed`, `archive`, `lock`, `bus`, `usage`), the readiness
    `probes`, and what must be closed (`closeables`) and started (`startables`)."""

    clock: providers.Dependency[Clock] = providers.Dependency()
    metrics = providers.Dependency(instance_of=Metrics)
    settings = providers.Dependency(instance_of=Settings)


def counting(counter: LoopCounter) -> Callable[[str], None]:
    """`count(kind)` adding one to `counter{kind}` (errors of a backend, by kind)."""

    def count(kind: str) -> None:
        counter.labels(kind).inc()

    return count


def half(seconds: float) -> float:
    return seconds / 2
