#!/usr/bin/env bash
# Requests/s of GET /notices (cache hit) against GET /healthz on one uvicorn worker, memory
# profile, same load generator (wrk) on loopback; prints each round and the median ratio.
#
#   ops/throughput.sh [rounds=5] [seconds=8] [connections=50]
#
# The server is pinned to CPU 0 and wrk to CPU 1 when taskset exists, and the two endpoints
# alternate, so a noisy neighbour hits both alike. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-8}
connections=${3:-50}
venv=${VENV:-.venv}

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "throughput: installing wrk with apt-get" >&2
        apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
    else
        echo "throughput: wrk is missing (Debian: apt-get install wrk)" >&2
        exit 1
    fi
fi
[ -x "$venv/bin/redis-practice" ] || { echo "throughput: run 'make install' first" >&2; exit 1; }

pin_server=() pin_load=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_server=(taskset -c 0) pin_load=(taskset -c 1)
fi

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
token=$("$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
log=$(mktemp)
ADMIN_TOKEN=$token "${pin_server[@]}" "$venv/bin/redis-practice" serve --port "$port" \
    --no-access-log --log-level warning >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT

for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" >/dev/null || { echo "throughput: server did not start:" >&2; cat "$log" >&2; exit 1; }

for n in $(seq 20); do
    curl -sf -o /dev/null -X POST "$base/notices" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' \
        -d "{\"title\":\"Notice $n\",\"body\":\"Body of notice $n, a sentence or two long so that the page is realistic.\"}"
done
bytes=$(curl -sf "$base/notices" | wc -c)
[ "$(curl -sf -D - -o /dev/null "$base/notices" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}')" = HIT ] \
    || { echo "throughput: /notices is not served from the cache" >&2; exit 1; }
echo "GET /notices: 20 notices, $bytes bytes per page; wrk -t1 -c$connections -d${seconds}s; $rounds rounds"

rps() { "${pin_load[@]}" wrk -t1 -c"$connections" -d"$1" "$base$2" | awk '/Requests\/sec/{print $2}'; }
rps 2s /healthz >/dev/null
rps 2s /notices >/dev/null

ratios=()
for round in $(seq "$rounds"); do
    health=$(rps "${seconds}s" /healthz)
    notices=$(rps "${seconds}s" /notices)
    ratio=$(awk -v n="$notices" -v h="$health" 'BEGIN{printf "%.3f", n/h}')
    ratios+=("$ratio")
    printf 'round %d: /healthz %9.0f req/s   /notices %9.0f req/s   ratio %s\n' "$round" "$health" "$notices" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "median ratio /notices : /healthz = $median"
curl -sf "$base/metrics" | grep -E '^(cache_requests_total|db_queries_total)\{' || true
