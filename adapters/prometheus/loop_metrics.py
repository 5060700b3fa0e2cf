"""Counters and histograms for code that runs on one event loop: plain numbers, no locks.

prometheus_client's own metrics take a lock and check their state on every update, a few
microseconds each; a cache hit updates three of them, which was 10% of its cost. Everything
here is updated from the event loop's thread only, so plain attribute updates are safe; the
registry reads the numbers when /metrics is scraped.

A server of several worker processes gives each a `ProcessFile`: every update is then also
written to this process's file in the server's metrics directory (prometheus-client's
multiprocess format, one writer per file, so still no lock), and any worker's /metrics sums
the files with prometheus-client's `MultiProcessCollector`.
"""

import bisect
import os
from collections.abc import Callable, Iterator, Sequence
from functools import partial

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.registry import Collector

Write = Callable[[float, float], None]
"""Writes one sample's value (and a timestamp, 0: none) to a process file."""


class ProcessFile:
    """This process's files in a server's metrics directory: `counter_<pid>.db` and
    `histogram_<pid>.db`, each sample's value at a fixed place."""

    def __init__(self, directory: str) -> None:
        self._directory = directory
        self._files: dict[str, MmapedDict] = {}

    def writer(
        self, kind: str, metric: str, sample: str, labels: dict[str, str], documentation: str
    ) -> Write:
        """Where one sample goes; it reads 0 until written."""
        file = self._files.get(kind)
        if file is None:
            path = os.path.join(self._directory, f"{kind}_{os.getpid()}.db")
            file = self._files[kind] = MmapedDict(path)  # type: ignore[no-untyped-call]
        key = mmap_key(metric, sample, list(labels), list(labels.values()), documentation)
        file.write_value(key, 0.0, 0.0)  # type: ignore[no-untyped-call]
        return partial(file.write_value, key)


class CounterChild:
    """One labelled series of a `LoopCounter`."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount


class SharedCounterChild(CounterChild):
    """A `CounterChild` whose value is also in its process file."""

    __slots__ = ("_write",)

    def __init__(self, write: Write) -> None:
        super().__init__()
        self._write = write

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount
        self._write(self.value, 0.0)


class LoopCounter(Collector):
    """A counter with labels, exposed as `<name>_total`."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        registry: CollectorRegistry,
        shared: ProcessFile | None = None,
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._labelnames = tuple(labelnames)
        self._children: dict[tuple[str, ...], CounterChild] = {}
        self._shared = shared
        registry.register(self)

    def labels(self, *values: str) -> CounterChild:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._child(values)
        return child

    def _child(self, values: tuple[str, ...]) -> CounterChild:
        if self._shared is None:
            return CounterChild()
        labels = dict(zip(self._labelnames, values, strict=True))
        return SharedCounterChild(
            self._shared.writer(
                "counter", self._name, f"{self._name}_total", labels, self._documentation
            )
        )

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)
        for values, child in list(self._children.items()):
            family.add_metric(list(values), child.value)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)


class HistogramChild:
    """One labelled series of a `LoopHistogram`: a count per bucket, a sum."""

    __slots__ = ("_bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self._bounds, value)] += 1
        self.total += value


class SharedHistogramChild(HistogramChild):
    """A `HistogramChild` whose counts (one per bucket, not cumulative) and sum are also in
    its process file."""

    __slots__ = ("_write_bucket", "_write_sum")

    def __init__(self, bounds: tuple[float, ...], buckets: list[Write], total: Write) -> None:
        super().__init__(bounds)
        self._write_bucket = buckets
        self._write_sum = total

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self._bounds, value)
        self.counts[index] += 1
        self.total += value
        self._write_bucket[index](self.counts[index], 0.0)
        self._write_sum(self.total, 0.0)


class LoopHistogram(Collector):
    """A histogram with labels and fixed bucket bounds (`le` inclusive, as Prometheus has it)."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        buckets: Sequence[float],
        registry: CollectorRegistry,
        shared: ProcessFile | None = None,
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._labelnames = tuple(labelnames)
        self._bounds = tuple(sorted(buckets))
        self._children: dict[tuple[str, ...], HistogramChild] = {}
        self._shared = shared
        registry.register(self)

    def labels(self, *values: str) -> HistogramChild:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._child(values)
        return child

    def _child(self, values: tuple[str, ...]) -> HistogramChild:
        if self._shared is None:
            return HistogramChild(self._bounds)
        labels = dict(zip(self._labelnames, values, strict=True))
        sample = partial(self._shared.writer, "histogram", self._name)
        buckets = [
            sample(
                f"{self._name}_bucket",
                {**labels, "le": _le(bound)},
                self._documentation,
            )
            for bound in (*self._bounds, float("inf"))
        ]
        return SharedHistogramChild(
            self._bounds, buckets, sample(f"{self._name}_sum", labels, self._documentation)
        )

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self._name, self._documentation, labels=self._labelnames)
        for values, child in list(self._children.items()):
            cumulative, buckets = 0, []
            for bound, count in zip([*self._bounds, float("inf")], child.counts, strict=True):
                cumulative += count
                buckets.append((_le(bound), cumulative))
            family.add_metric(list(values), buckets, child.total)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield HistogramMetricFamily(self._name, self._documentation, labels=self._labelnames)


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(float(bound))
