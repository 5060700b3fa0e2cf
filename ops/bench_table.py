"""Print the benchmark table of docs/performance.md from pytest-benchmark's JSON (`make bench`
writes it).

    python ops/bench_table.py reports/bench/latest.json

Per call: the fastest batch of each side, interleaved with the other, divided by its calls (the
minimum is the estimate least disturbed by a noisy machine).
"""

import json
import sys
from pathlib import Path

CALLS_PER_ROUND = 200


def main(path: str) -> None:
    benchmarks = json.loads(Path(path).read_text())["benchmarks"]
    pairs = [b for b in benchmarks if "ratio" in b["extra_info"]]
    claims = [b for b in benchmarks if b["name"].startswith("test_claims_per_second")]

    print("| operation | adapter (µs/call) | raw redis-py (µs/call) | ratio |")
    print("|---|---:|---:|---:|")
    for bench in sorted(pairs, key=lambda b: (not b["extra_info"]["single_command"], b["group"])):
        info = bench["extra_info"]
        adapter, raw, ratio = info["adapter_us"], info["raw_us"], info["ratio"]
        print(f"| {bench['group']} | {adapter:.0f} | {raw:.0f} | {ratio:.2f} |")
    if claims:
        print()
        print("| strategy | claims/s (best round) | claims/s (median round) |")
        print("|---|---:|---:|")
        for bench in sorted(claims, key=lambda b: b["stats"]["min"]):
            strategy = bench["name"].split("[")[1].rstrip("]")
            best, median = (CALLS_PER_ROUND / bench["stats"][stat] for stat in ("min", "median"))
            print(f"| `{strategy}` | {best:,.0f} | {median:,.0f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "reports/bench/latest.json")
