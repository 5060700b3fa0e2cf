"""The chaos report never hides a fault: every failover is drawn and counted, a second one
after a fault is named, a window the run cut off says so, and the 503s are totalled."""

import sys
from argparse import Namespace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "ops"))

import chaos_report
from chaos_audit import audit
from chaos_herd import HerdOutcome
from chaos_model import Outcome, Sample, Switch, Variant
from chaos_topology import CLUSTER_PHASES, SENTINEL_PHASES, phases, switches

KILL = Variant("kill-wait1", wait_replicas=1, fault="kill")
FAULT = 1_000.0


def sentinel_line(stamp: str, old: int, new: int) -> str:
    return (
        f"123:X 05 Dec 2026 {stamp} # +switch-master redis-practice 127.0.0.1 {old} 127.0.0.1 {new}"
    )


def test_every_change_of_master_is_one_switch_however_close(tmp_path: Path) -> None:
    # Three Sentinels log each change within a second; a second change 1.2 s later is another.
    for n, skew in enumerate(("000", "150", "420")):
        (tmp_path / f"sentinel-{n}.log").write_text(
            "\n".join(
                [
                    sentinel_line(f"10:00:01.{skew}", 6380, 6381),
                    sentinel_line(f"10:00:02.{int(skew) + 200:03d}", 6381, 6382),
                ]
            )
        )
    found = switches(tmp_path)

    assert [(s.old, s.new) for s in found] == [
        ("127.0.0.1:6380", "127.0.0.1:6381"),
        ("127.0.0.1:6381", "127.0.0.1:6382"),
    ]
    assert found[1].at - found[0].at == pytest.approx(1.2)


def outcome_with(switches: list[float]) -> Outcome:
    outcome = Outcome(KILL, 4, faults=[FAULT])
    outcome.switches = [
        Switch(FAULT + at, f"127.0.0.1:{6380 + n}", f"127.0.0.1:{6381 + n}")
        for n, at in enumerate(switches)
    ]
    return outcome


def test_a_second_failover_after_one_fault_is_counted_and_a_lone_one_is_not() -> None:
    assert outcome_with([1.7]).extra_failovers == []
    assert [s.at - FAULT for s in outcome_with([1.7, 2.9]).extra_failovers] == pytest.approx([2.9])
    assert [s.at - FAULT for s in outcome_with([1.7, 40]).extra_failovers] == pytest.approx([40])


def samples(statuses: list[tuple[float, int]]) -> list[Sample]:
    return [Sample(FAULT + at, status, 5.0, n) for n, (at, status) in enumerate(statuses)]


def test_a_window_the_end_of_the_run_cut_off_says_so() -> None:
    healed, never = outcome_with([1.7]), outcome_with([1.7])
    before = [(t / 10, 202) for t in range(-20, 0)]

    after = [(1.8 + t / 10, 202) for t in range(30)]
    audit(healed, samples([*before, (1.0, 503), *after]), set())
    audit(never, samples([*before, (1.0, 503), (12.3, 503)]), set())

    assert [(round(w.seconds, 2), w.cut_off) for w in healed.windows] == [(1.9, False)]
    assert [(round(w.seconds, 2), w.cut_off) for w in never.windows] == [(12.4, True)]
    assert str(never.windows[0]) == "12.40+"


def test_the_summary_totals_the_503s_and_names_the_run_with_a_second_failover(
    tmp_path: Path,
) -> None:
    calm, flapping = outcome_with([1.7]), outcome_with([1.7, 2.9])
    before = [(t / 10, 202) for t in range(-20, 0)]
    audit(calm, samples([*before, (1.0, 503), *[(1.8 + t / 10, 202) for t in range(30)]]), set())
    audit(flapping, samples([*before, *[(1.0 + t / 100, 503) for t in range(900)]]), set())
    calm.number, flapping.number = 1, 4
    options = Namespace(
        sse=False, rate=200, seconds=20, repeat=1, down_after_ms=500, min_replicas_to_write=0,
        runs=2, workers=1, cluster=False, node_timeout_ms=500,
    )  # fmt: skip

    chaos_report.write(tmp_path, [calm, flapping], options)

    summary = (tmp_path / "summary.md").read_text()
    row = next(line for line in summary.splitlines() if line.startswith("| `kill-wait1`"))
    assert "| 3 / 2 | 1 |" in row  # failovers / faults, beyond one per fault
    assert "450.5 / 901 (`kill-wait1-4`: 900)" in row  # 503s: median / total (worst run)
    assert "`kill-wait1-4`: 2 failovers for 1 fault(s) (+1.70 s 6380 -> 6381, +2.90 s" in summary
    assert "+: a window cut off by the end of the run" in summary


def test_the_phases_of_a_failover_are_read_from_the_logs_after_the_fault(tmp_path: Path) -> None:
    # 05 Dec 2026 10:00:00.000 UTC; a line before the fault must not count.
    fault = 1_796_464_800.0
    (tmp_path / "redis-7003.log").write_text(
        "\n".join(
            [
                "1:S 05 Dec 2026 09:59:59.000 # Start of election delayed for 600 milliseconds",
                "1:S 05 Dec 2026 10:00:00.900 # Start of election delayed for 644 milliseconds",
                "1:S 05 Dec 2026 10:00:01.600 # Failover election won: I'm the new master.",
            ]
        )
    )
    (tmp_path / "redis-7002.log").write_text(
        "2:S 05 Dec 2026 10:00:01.800 * MASTER <-> REPLICA sync: Finished with success\n"
    )
    (tmp_path / "sentinel-1.log").write_text(
        "3:X 05 Dec 2026 10:00:00.500 # +sdown master redis-practice 127.0.0.1 7000\n"
    )

    found = phases(tmp_path, fault, CLUSTER_PHASES)

    assert found == pytest.approx(
        {"detected (election scheduled)": 0.9, "replica promoted": 1.6, "replica re-pointed": 1.8}
    )
    assert phases(tmp_path, fault, SENTINEL_PHASES) == pytest.approx({"detected (+sdown)": 0.5})
    (tmp_path / "redis-7002.log").write_text(  # a node that woke up a replica: a partial sync
        "2:S 05 Dec 2026 10:00:05.100 * Successful partial resynchronization with master.\n"
    )
    assert phases(tmp_path, fault, CLUSTER_PHASES)["replica re-pointed"] == pytest.approx(5.1)


def test_a_herd_that_broke_a_promise_fails_the_run_and_shows_in_the_summary(
    tmp_path: Path,
) -> None:
    reshard = Variant("cluster-reshard-wait1", wait_replicas=1, fault="reshard", cluster=True)
    good, bad = Outcome(reshard, 1, faults=[FAULT]), Outcome(reshard, 2, faults=[FAULT])
    good.herd = HerdOutcome([1, 2], passed=True, statuses={201: 200, 410: 3800}, reconcile_exit=0)
    bad.herd = HerdOutcome([3, 4], passed=False, statuses={201: 199, 500: 2}, reconcile_exit=1)
    options = Namespace(
        sse=False, rate=200, seconds=20, repeat=1, down_after_ms=500, min_replicas_to_write=0,
        runs=2, workers=1, cluster=True, node_timeout_ms=500,
    )  # fmt: skip

    chaos_report.write(tmp_path, [good, bad], options)

    assert reshard.must_lose_nothing
    assert good.herd_failures == []
    assert bad.herd_failures == [
        "coupon counts off (k6 thresholds)",
        "2 answers 5xx other than 503",
        "reconcile exit 1",
    ]
    summary = (tmp_path / "summary.md").read_text()
    herd = summary.split("## The level-3 herd while the slots moved")[1]
    row = next(line for line in herd.splitlines() if line.startswith("| `cluster-reshard"))
    assert "| 201: 399, 410: 3,800, 500: 2 | 2 | 1 / 2 | 1 / 2 | 0 |" in row
    assert "cluster-node-timeout 500 ms" in summary
