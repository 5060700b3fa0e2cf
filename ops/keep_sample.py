"""Keep a report as the sample of docs/reports/: its summary.md and the charts it links to,
each chart reduced to a 64-colour palette (a third of the size, the same picture). k6's JSON
summaries and dashboards, and the logs, stay in reports/.

    python ops/keep_sample.py reports/20261205T133728Z-chaos chaos
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

from common import ROOT
from PIL import Image

SAMPLES = ROOT / "docs" / "reports"


def keep(report: Path, name: str) -> Path:
    summary = (report / "summary.md").read_text()
    target = SAMPLES / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (target / "summary.md").write_text(summary)
    for chart in sorted(set(re.findall(r"\]\(([\w.-]+\.png)\)", summary))):
        with Image.open(report / chart) as image:
            palette = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
            palette.save(target / chart, optimize=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a folder of reports/")
    parser.add_argument("name", help="the folder of docs/reports/ to (re)write: level1, chaos...")
    args = parser.parse_args()
    if not (args.report / "summary.md").is_file():
        parser.error(f"{args.report} has no summary.md")
    target = keep(args.report, args.name)
    size = sum(path.stat().st_size for path in target.iterdir())
    print(f"keep_sample: {target.relative_to(ROOT)}: {size // 1024} KiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
