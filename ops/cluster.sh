#!/usr/bin/env bash
# A Redis Cluster on loopback for the `cluster` profile and the chaos runs: three masters and
# three replicas, each a local redis-server process.
#
#   ops/cluster.sh install                  install Debian's redis-server when missing (as root)
#   ops/cluster.sh up                       start a fresh cluster (new config files, empty data),
#                                           wait until every slot is served and every replica is
#                                           synced, print the environment to use
#   ops/cluster.sh down                     stop every node
#   ops/cluster.sh status                   the masters, their slots and replicas; exit 3 when
#                                           the cluster is not healthy
#   ops/cluster.sh env                      print the environment to use (NAME=value lines)
#   ops/cluster.sh master KEY               print the port of the master that owns KEY's slot
#   ops/cluster.sh kill-master KEY          SIGKILL that master (as a crash would)
#   ops/cluster.sh pause-master KEY SECONDS SIGSTOP it, SIGCONT it SECONDS later
#   ops/cluster.sh revive                   start again every node that is not running (it comes
#                                           back a replica of the master that replaced it)
#   ops/cluster.sh reshard KEY...           move the slot of each KEY, keys and all, to the next
#                                           master (CLUSTER SETSLOT IMPORTING / MIGRATING,
#                                           MIGRATE, SETSLOT NODE), under load
#   ops/cluster.sh add-shard                start a fourth master and its replica, join them and
#                                           rebalance the slots onto it
#   ops/cluster.sh wait-healthy [SECONDS]   wait until every slot is served, every master has a
#                                           synced replica and every node agrees
#
# Settings (environment):
#   CLUSTER_DIR           var/cluster                     configs, data, logs, pid files
#   CLUSTER_PORTS         7000,7001,7002,7003,7004,7005   3 masters, then their replicas
#   CLUSTER_SPARE_PORTS   7006,7007                       the shard `add-shard` adds
#   NODE_TIMEOUT_MS       500                             `cluster-node-timeout`: a killed master's
#                                                         slots took writes again after 1.60-1.76 s
#                                                         (1000: 2.38-2.63 s), 3 runs each
#   MAXMEMORY             256mb                           with `maxmemory-policy noeviction`
#
# Eviction and persistence: ops/nodes.sh. `repl-diskless-sync-delay 0`: with the default 5 s a
# replica killed (or promoted) right after `up` had not synced yet and could not take over.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(realpath -m "${CLUSTER_DIR:-var/cluster}")
IFS=, read -r -a ports <<<"${CLUSTER_PORTS:-7000,7001,7002,7003,7004,7005}"
IFS=, read -r -a spare_ports <<<"${CLUSTER_SPARE_PORTS:-7006,7007}"
node_timeout=${NODE_TIMEOUT_MS:-500}
maxmemory=${MAXMEMORY:-256mb}

say() { echo "cluster: $*" >&2; }
. ops/apt.sh
. ops/nodes.sh

install() { ops/redis.sh install; }

write_node_config() { # port
    printf '%s\n' "cluster-enabled yes" "cluster-config-file $dir/nodes-$1.conf" \
        "cluster-node-timeout $node_timeout" "repl-diskless-sync yes" \
        "repl-diskless-sync-delay 0" "cluster-require-full-coverage yes" \
        "cluster-allow-reads-when-down no" | redis_config "$1"
}

all_ports() { printf '%s\n' "${ports[@]}" "${spare_ports[@]}"; }

live_ports() { # the configured nodes that answer
    local port
    while read -r port; do if answers "$port"; then echo "$port"; fi; done < <(all_ports)
}

any_node() { # the first configured node that answers
    local port
    while read -r port; do
        if answers "$port"; then echo "$port"; return 0; fi
    done < <(all_ports)
    return 1
}

nodes_table() { # CLUSTER NODES of a live node: id address flags master ... slots
    local port
    port=$(any_node) || return 1
    cli "$port" cluster nodes
}

masters() { # the live masters' ports, in port order
    nodes_table | awk '$3 ~ /master/ && $3 !~ /fail/ && $8 == "connected" { split($2, a, "[:@]"); print a[2] }' | sort -n
}

slot_of() { cli "$(any_node)" cluster keyslot "$1"; }

owner_of_slot() { # the port of the master serving SLOT
    local slot=$1
    nodes_table | awk -v slot="$slot" '
        $3 ~ /master/ && $3 !~ /fail/ {
            for (i = 9; i <= NF; i++) {
                n = split($i, range, "-")
                low = range[1]; high = (n == 2) ? range[2] : range[1]
                if ($i !~ /^\[/ && slot + 0 >= low + 0 && slot + 0 <= high + 0) {
                    split($2, a, "[:@]"); print a[2]; exit
                }
            }
        }'
}

node_id() { cli "$1" cluster myid; }

healthy() { # every live node: state ok, all slots served; every master a synced replica
    local port info masters_seen live
    live=$(live_ports)
    [ -n "$live" ] || return 1
    for port in $live; do
        info=$(cli "$port" cluster info | tr -d '\r')
        echo "$info" | grep -qx 'cluster_state:ok' || return 1
        echo "$info" | grep -qx 'cluster_slots_ok:16384' || return 1
        echo "$info" | grep -qx 'cluster_slots_pfail:0' || return 1
        echo "$info" | grep -qx 'cluster_slots_fail:0' || return 1
    done
    masters_seen=$(masters)
    for port in $masters_seen; do
        [ "$(cli "$port" info replication | tr -d '\r' | grep -c '^slave[0-9]*:.*state=online')" -ge 1 ] || return 1
    done
    # every replica's link to its master is up (synced: it can take over)
    for port in $live; do
        if cli "$port" info replication | tr -d '\r' | grep -qx 'role:slave'; then
            cli "$port" info replication | tr -d '\r' | grep -qx 'master_link_status:up' || return 1
            cli "$port" info replication | tr -d '\r' | grep -qx 'master_sync_in_progress:0' || return 1
        fi
    done
}

wait_healthy() {
    wait_for "${1:-30}" "not healthy" healthy || { status >&2 || true; return 1; }
}

print_env() {
    local list="" port
    for port in "${ports[@]}"; do list="${list:+$list,}127.0.0.1:$port"; done
    echo "APP_PROFILE=cluster"
    echo "REDIS_CLUSTER_NODES=$list"
}

up() {
    install
    command -v redis-server >/dev/null || { say "cannot start: redis-server is not installed"; exit 1; }
    down 2>/dev/null || true
    rm -rf "$dir"
    mkdir -p "$dir"
    local port addresses=()
    for port in "${ports[@]}"; do
        write_node_config "$port"
        start_redis "$port"
        addresses+=("127.0.0.1:$port")
    done
    for port in "${ports[@]}"; do
        until answers "$port"; do sleep 0.05; done
    done
    redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
        || { cat "$dir/create.log" >&2; say "create failed"; exit 1; }
    wait_healthy 60
    say "up: masters on $(masters | paste -sd, -), node timeout ${node_timeout} ms; files in $dir"
    print_env
}

down() {
    local port
    while read -r port; do stop_pid "redis-$port"; done < <(all_ports)
    say "down (files kept in $dir until the next up)"
}

status() {
    local port bad=0
    while read -r port; do
        [ -f "$dir/redis-$port.conf" ] || continue
        if answers "$port"; then
            say "node 127.0.0.1:$port $(cli "$port" info replication | tr -d '\r' | grep '^role:')"
        else
            say "node 127.0.0.1:$port DOWN"
            bad=1
        fi
    done < <(all_ports)
    nodes_table | awk '{ split($2, a, "[:@]"); printf "cluster:   %s %s %s\n", a[2], $3, ($3 ~ /master/ ? $9" "$10" "$11 : "of " $4) }' >&2 || true
    [ "$bad" -eq 0 ] && healthy && say "healthy" && return 0
    return 3
}

master_for() { # KEY: the port of the master owning its slot
    local slot port
    slot=$(slot_of "$1")
    port=$(owner_of_slot "$slot")
    [ -n "$port" ] || { say "no master serves slot $slot"; return 1; }
    echo "$port"
}

kill_master() {
    local master
    master=$(master_for "$1") || exit 1
    kill_node "$master" "the master 127.0.0.1:$master of slot $(slot_of "$1")"
}

pause_master() {
    local master
    master=$(master_for "$1") || exit 1
    pause_node "$master" "$2" "the master 127.0.0.1:$master of slot $(slot_of "$1")"
}

move_slot() { # SLOT FROM_PORT TO_PORT: the slot and its keys, as redis-cli --cluster reshard does
    local slot=$1 from=$2 to=$3 from_id to_id keys port
    from_id=$(node_id "$from")
    to_id=$(node_id "$to")
    cli "$to" cluster setslot "$slot" importing "$from_id" >/dev/null
    cli "$from" cluster setslot "$slot" migrating "$to_id" >/dev/null
    while :; do
        keys=$(cli "$from" cluster getkeysinslot "$slot" 100 | tr '\n' ' ')
        [ -n "${keys// /}" ] || break
        # shellcheck disable=SC2086 # one argument per key
        cli "$from" migrate 127.0.0.1 "$to" "" 0 5000 KEYS $keys >/dev/null
    done
    for port in $(masters); do cli "$port" cluster setslot "$slot" node "$to_id" >/dev/null; done
}

reshard() { # KEY...: each key's slot to the next master (in port order)
    local key slot from to i list
    mapfile -t list < <(masters)
    for key in "$@"; do
        slot=$(slot_of "$key")
        from=$(owner_of_slot "$slot")
        to=""
        for i in "${!list[@]}"; do
            if [ "${list[$i]}" = "$from" ]; then to=${list[$(( (i + 1) % ${#list[@]} ))]}; fi
        done
        [ -n "$from" ] && [ -n "$to" ] || { say "no master serves slot $slot"; exit 1; }
        echo "MOVED_SLOT=$slot FROM=$from TO=$to AT_MS=$(now_ms)"
        move_slot "$slot" "$from" "$to"
        say "slot $slot ($key) moved from 127.0.0.1:$from to 127.0.0.1:$to"
    done
}

agreed() { # every node agrees on the configuration (redis-cli --cluster check)
    local report
    report=$(redis-cli --cluster check "127.0.0.1:$1" 2>&1) || return 1
    ! grep -q "ERR" <<<"$report"
}

wait_agreed() { # SEED NEW_PORT [SECONDS]: the seed knows the new node, the new node sees the
    # cluster up (else it answers a migration CLUSTERDOWN), and every node agrees
    wait_for "${3:-30}" "the nodes do not agree" joined "$1" "$2"
}

joined() { # SEED NEW_PORT
    cli "$1" cluster nodes | grep -q "127.0.0.1:$2@" \
        && cli "$2" cluster info | tr -d '\r' | grep -qx 'cluster_state:ok' && agreed "$1"
}

add_shard() {
    local master=${spare_ports[0]} replica=${spare_ports[1]} seed
    seed=$(any_node)
    for port in "$master" "$replica"; do
        write_node_config "$port"
        start_redis "$port"
        until answers "$port"; do sleep 0.05; done
    done
    # NOTE: each step waits until every node agrees: redis-cli refuses to go on otherwise.
    local failed="add-shard failed: see $dir/add-shard.log"
    redis-cli --cluster add-node "127.0.0.1:$master" "127.0.0.1:$seed" >>"$dir/add-shard.log" 2>&1 \
        || { say "$failed"; exit 1; }
    wait_agreed "$seed" "$master"
    redis-cli --cluster add-node "127.0.0.1:$replica" "127.0.0.1:$seed" --cluster-slave \
        --cluster-master-id "$(node_id "$master")" >>"$dir/add-shard.log" 2>&1 \
        || { say "$failed"; exit 1; }
    wait_agreed "$seed" "$replica"
    echo "REBALANCE_AT_MS=$(now_ms)"
    redis-cli --cluster rebalance "127.0.0.1:$seed" --cluster-use-empty-masters \
        >>"$dir/add-shard.log" 2>&1 || { say "$failed"; exit 1; }
    echo "REBALANCED_AT_MS=$(now_ms)"
    local slots
    slots=$(cli "$master" cluster nodes | awk '$3 ~ /myself/ { print NF - 8 }')
    if [ "${slots:-0}" -lt 1 ] || ! cli "$replica" info replication | tr -d '\r' | grep -qx 'role:slave'; then
        say "$failed"
        exit 1
    fi
    say "shard 127.0.0.1:$master (replica $replica) added and the slots rebalanced onto it"
}

case "${1:-}" in
    install) install ;;
    up) up ;;
    down) down ;;
    status) status ;;
    env) print_env ;;
    master) [ -n "${2:-}" ] || { echo "usage: $0 master KEY" >&2; exit 2; }; master_for "$2" ;;
    kill-master) [ -n "${2:-}" ] || { echo "usage: $0 kill-master KEY" >&2; exit 2; }; kill_master "$2" ;;
    pause-master)
        [ -n "${2:-}" ] && [[ "${3:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] \
            || { echo "usage: $0 pause-master KEY SECONDS" >&2; exit 2; }
        pause_master "$2" "$3" ;;
    revive) mapfile -t known < <(all_ports | while read -r p; do [ -f "$dir/redis-$p.conf" ] && echo "$p"; done); revive "${known[@]}" ;;
    reshard) [ $# -ge 2 ] || { echo "usage: $0 reshard KEY..." >&2; exit 2; }; reshard "${@:2}" ;;
    add-shard) add_shard ;;
    wait-healthy) wait_healthy "${2:-30}" ;;
    *) echo "usage: $0 install|up|down|status|env|master KEY|kill-master KEY|pause-master KEY SECONDS|revive|reshard KEY...|add-shard|wait-healthy [SECONDS]" >&2; exit 2 ;;
esac
