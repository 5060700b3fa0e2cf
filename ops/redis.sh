#!/usr/bin/env bash
# A standalone Redis on loopback for the `redis` profile.
#
#   ops/redis.sh install   install Debian's redis-server if it is missing (as root)
#   ops/redis.sh start     start it on 127.0.0.1:$REDIS_PORT (default 6379), data in var/redis/
#   ops/redis.sh stop      stop it (SHUTDOWN: the AOF is flushed first)
#   ops/redis.sh status    say whether it answers, and where
#
# The server keeps an append-only file (fsync every second) so that a restart keeps the data.
# Memory: at most $MAXMEMORY (default 256mb) with `maxmemory-policy noeviction`, the policy of
# ops/sentinel.sh and for the same reason: OTP codes, sessions and throttle windows carry TTLs,
# so every `volatile-*` policy would evict exactly them first, and `allkeys-*` would drop coupon
# claims and usage counts too. At the limit writes fail (503) and nothing stored is lost.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${REDIS_PORT:-6379}
dir=$(realpath -m "${REDIS_DIR:-var/redis}")
pidfile="$dir/redis.pid"

say() { echo "redis: $*" >&2; }
. ops/apt.sh
. ops/server.sh

install() {
    if command -v redis-server >/dev/null; then
        return 0
    fi
    apt_install redis redis-server || return 1
    command -v redis-server >/dev/null || [ "$(id -u)" -ne 0 ]
}

answers() { redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; }

start() {
    install
    command -v redis-server >/dev/null || { say "cannot start: redis-server is not installed"; exit 1; }
    if answers; then
        say "already answering on 127.0.0.1:$port"
        return 0
    fi
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
        --pidfile "$pidfile" --logfile "$dir/redis.log" \
        --appendonly yes --appendfsync everysec --save "" \
        --maxmemory "${MAXMEMORY:-256mb}" --maxmemory-policy noeviction
    for _ in $(seq 50); do
        answers && { say "started on redis://127.0.0.1:$port/0 (log: $dir/redis.log)"; return 0; }
        sleep 0.1
    done
    say "did not start; the end of $dir/redis.log:"
    tail -n 20 "$dir/redis.log" >&2 || true
    exit 1
}

stop() { stop_with redis-cli -h 127.0.0.1 -p "$port" shutdown; }

status() {
    local version
    version=$(redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' \
        | awk -F: '$1=="redis_version"{print $2}' || true)
    report_status "REDIS_URL=redis://127.0.0.1:$port/0 (Redis ${version:-?})"
}

dispatch "install start stop status" "$@"
