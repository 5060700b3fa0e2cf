#!/usr/bin/env bash
# A Sentinel topology on loopback for the `sentinel` profile and the chaos runs: one master, two
# replicas, three Sentinels (quorum 2), each a local process.
#
#   ops/sentinel.sh install              install Debian's redis-server and redis-sentinel when
#                                        missing (as root)
#   ops/sentinel.sh up                   start a fresh topology (new config files, empty data),
#                                        wait until it is healthy, print the environment to use
#   ops/sentinel.sh down                 stop every process of it
#   ops/sentinel.sh status               the master the Sentinels agree on, its replicas, the
#                                        processes; exit 3 when something is down
#   ops/sentinel.sh env                  print the environment to use (NAME=value lines)
#   ops/sentinel.sh master               print the current master's port
#   ops/sentinel.sh kill-master          SIGKILL the current master (as a crash would)
#   ops/sentinel.sh pause-master SECONDS SIGSTOP the current master, SIGCONT it SECONDS later
#                                        (a zombie master: its connections stay open)
#   ops/sentinel.sh revive               start again every Redis that is not running (with the
#                                        config the Sentinels rewrote: it comes back a replica)
#   ops/sentinel.sh wait-healthy         wait until one master has two replicas and every
#                                        Sentinel agrees (after a failover and a revive)
#
# Settings (environment):
#   SENTINEL_DIR            var/sentinel      configs, data, logs, pid files
#   REDIS_PORTS             6380,6381,6382    the first starts as master
#   SENTINEL_PORTS          26380,26381,26382
#   SENTINEL_SERVICE        redis-practice    the name the Sentinels monitor
#   DOWN_AFTER_MS           500               `down-after-milliseconds` (1000 gave a write gap
#                                             over 2 s here, 500 about 1.75 s: docs/ha.md)
#   FAILOVER_TIMEOUT_MS     10000             `failover-timeout`
#   MIN_REPLICAS_TO_WRITE   0                 `min-replicas-to-write` (0: off)
#   MIN_REPLICAS_MAX_LAG    1                 `min-replicas-max-lag` (seconds)
#   MAXMEMORY               256mb             with `maxmemory-policy noeviction`
#
# Eviction and persistence: ops/nodes.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(realpath -m "${SENTINEL_DIR:-var/sentinel}")
IFS=, read -r -a redis_ports <<<"${REDIS_PORTS:-6380,6381,6382}"
IFS=, read -r -a sentinel_ports <<<"${SENTINEL_PORTS:-26380,26381,26382}"
service=${SENTINEL_SERVICE:-redis-practice}
down_after=${DOWN_AFTER_MS:-500}
failover_timeout=${FAILOVER_TIMEOUT_MS:-10000}
min_replicas=${MIN_REPLICAS_TO_WRITE:-0}
max_lag=${MIN_REPLICAS_MAX_LAG:-1}
maxmemory=${MAXMEMORY:-256mb}

say() { echo "sentinel: $*" >&2; }
. ops/apt.sh
. ops/nodes.sh

install() {
    ops/redis.sh install
    if command -v redis-sentinel >/dev/null; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] && command -v redis-server >/dev/null; then
        return 0 # `redis-server --sentinel` is the same program; Debian's package adds the name
    fi
    # NOTE: the package's own service (port 26379) is not ours: stop it if it started.
    apt_install sentinel redis-sentinel || return 1
    if command -v service >/dev/null; then service redis-sentinel stop >/dev/null 2>&1 || true; fi
    command -v redis-sentinel >/dev/null || [ "$(id -u)" -ne 0 ]
}

sentinel_binary() {
    if command -v redis-sentinel >/dev/null; then
        echo redis-sentinel
    else
        echo "redis-server"
    fi
}

write_redis_config() { # port, master port ("" for the master)
    {
        echo "min-replicas-to-write $min_replicas"
        echo "min-replicas-max-lag $max_lag"
        echo "replica-serve-stale-data yes"
        if [ -n "$2" ]; then echo "replicaof 127.0.0.1 $2"; fi
    } | redis_config "$1"
}

write_sentinel_config() { # port, master port
    local port=$1 master=$2
    {
        daemon_config "sentinel-$port" "$port"
        echo "dir $dir"
        echo "sentinel resolve-hostnames no"
        echo "sentinel monitor $service 127.0.0.1 $master 2"
        echo "sentinel down-after-milliseconds $service $down_after"
        echo "sentinel failover-timeout $service $failover_timeout"
        echo "sentinel parallel-syncs $service 1"
    } >"$dir/sentinel-$port.conf"
}

start_sentinel() { "$(sentinel_binary)" "$dir/sentinel-$1.conf" --sentinel; }

master_port() { # the master the first answering Sentinel names
    local port answer
    for port in "${sentinel_ports[@]}"; do
        answer=$(cli "$port" sentinel get-master-addr-by-name "$service" | tail -n 1)
        if [ -n "$answer" ]; then
            echo "$answer"
            return 0
        fi
    done
    return 1
}

healthy() { # every Sentinel: the same master, up, with 2 replicas up and 2 other Sentinels
    local port master="" seen info
    for port in "${sentinel_ports[@]}"; do
        seen=$(cli "$port" sentinel get-master-addr-by-name "$service" | tail -n 1)
        [ -n "$seen" ] || return 1
        [ -z "$master" ] && master=$seen
        [ "$seen" = "$master" ] || return 1
        info=$(cli "$port" sentinel master "$service" | paste - - | tr '\t' '=')
        echo "$info" | grep -qx 'flags=master' || return 1
        echo "$info" | grep -qx "num-slaves=$(( ${#redis_ports[@]} - 1 ))" || return 1
        echo "$info" | grep -qx "num-other-sentinels=$(( ${#sentinel_ports[@]} - 1 ))" || return 1
    done
    # replicas the master itself counts as online (Sentinel may remember dead ones)
    [ "$(cli "$master" info replication | tr -d '\r' | grep -c '^slave[0-9]*:.*state=online')" \
        -eq $(( ${#redis_ports[@]} - 1 )) ]
}

wait_healthy() {
    wait_for "${1:-30}" "not healthy" healthy || { status >&2 || true; return 1; }
}

print_env() {
    local list="" port
    for port in "${sentinel_ports[@]}"; do list="${list:+$list,}127.0.0.1:$port"; done
    echo "APP_PROFILE=sentinel"
    echo "REDIS_SENTINELS=$list"
    echo "REDIS_SENTINEL_SERVICE=$service"
}

up() {
    install
    command -v redis-server >/dev/null || { say "cannot start: redis-server is not installed"; exit 1; }
    down 2>/dev/null || true
    rm -rf "$dir"
    mkdir -p "$dir"
    local master=${redis_ports[0]} port
    for port in "${redis_ports[@]}"; do
        if [ "$port" = "$master" ]; then write_redis_config "$port" ""; else write_redis_config "$port" "$master"; fi
        start_redis "$port"
    done
    for port in "${sentinel_ports[@]}"; do
        write_sentinel_config "$port" "$master"
        start_sentinel "$port"
    done
    wait_healthy 30
    say "up: master 127.0.0.1:$master, replicas on ${redis_ports[*]:1}, sentinels on ${sentinel_ports[*]} (down-after ${down_after} ms, min-replicas-to-write $min_replicas; files in $dir)"
    print_env
}

down() {
    local port
    for port in "${sentinel_ports[@]}"; do stop_pid "sentinel-$port"; done
    for port in "${redis_ports[@]}"; do stop_pid "redis-$port"; done
    say "down (files kept in $dir until the next up)"
}

status() {
    local port bad=0 master
    if master=$(master_port); then
        say "master: 127.0.0.1:$master"
        cli "$master" info replication | tr -d '\r' | grep -E '^(role|connected_slaves|slave[0-9]+):' >&2 || true
    else
        say "no Sentinel answers"
        bad=1
    fi
    for port in "${redis_ports[@]}"; do
        if answers "$port"; then say "redis 127.0.0.1:$port answers"; else say "redis 127.0.0.1:$port DOWN"; bad=1; fi
    done
    for port in "${sentinel_ports[@]}"; do
        if answers "$port"; then say "sentinel 127.0.0.1:$port answers"; else say "sentinel 127.0.0.1:$port DOWN"; bad=1; fi
    done
    [ "$bad" -eq 0 ] && healthy && say "healthy" && return 0
    return 3
}

kill_master() {
    local master
    master=$(master_port) || { say "no Sentinel answers"; exit 1; }
    kill_node "$master" "the master 127.0.0.1:$master"
}

pause_master() {
    local master
    master=$(master_port) || { say "no Sentinel answers"; exit 1; }
    pause_node "$master" "$1" "the master 127.0.0.1:$master"
}

case "${1:-}" in
    install) install ;;
    up) up ;;
    down) down ;;
    status) status ;;
    env) print_env ;;
    master) master_port ;;
    kill-master) kill_master ;;
    pause-master)
        [[ "${2:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "usage: $0 pause-master SECONDS" >&2; exit 2; }
        pause_master "$2" ;;
    revive) revive "${redis_ports[@]}" ;;
    wait-healthy) wait_healthy "${2:-30}" ;;
    *) echo "usage: $0 install|up|down|status|env|master|kill-master|pause-master SECONDS|revive|wait-healthy [SECONDS]" >&2; exit 2 ;;
esac
