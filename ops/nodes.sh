# Sourced by the scripts that run Redis processes on loopback, each from a config file in $dir
# (ops/sentinel.sh). The script sets `dir` and `maxmemory` and defines `say`.
#
# now_ms                  milliseconds since the epoch
# cli PORT ARG...         redis-cli on 127.0.0.1:PORT, errors silenced
# answers PORT            does 127.0.0.1:PORT answer PING?
# pid_of NAME             the pid in $dir/NAME.pid ("" when there is none)
# running NAME            is that process alive?
# node_pid PORT           the pid of redis-PORT; says so and fails when there is no pid file
# daemon_config NAME PORT the lines every process shares: loopback, daemon, pid and log files
# redis_config PORT       the lines every Redis node shares (below), into $dir/redis-PORT.conf
#                         with the lines given on stdin after them
# start_redis PORT        start redis-PORT from its config file
# stop_pid NAME           TERM (after CONT: a paused process cannot handle it), KILL after 5 s
# revive PORT...          start again each redis-PORT that is not running (with the config its
#                         supervisor may have rewritten)
# wait_for SECONDS WHAT COMMAND...
#                         run COMMAND every 0.1 s until it succeeds; after SECONDS say
#                         "WHAT after SECONDS s" and fail
# kill_node PORT LABEL    SIGKILL redis-PORT; print KILLED_MASTER and KILLED_AT_MS
# pause_node PORT SECONDS LABEL
#                         SIGSTOP redis-PORT, SIGCONT it SECONDS later (also if interrupted);
#                         print PAUSED_MASTER, PAUSED_AT_MS and RESUMED_AT_MS
#
# Eviction: `noeviction`. OTP codes, sessions and throttle windows carry TTLs, so every
# `volatile-*` policy would pick exactly them first, and `allkeys-*` would also drop coupon
# claims and usage counts: acknowledged state must never vanish to make room. At the limit,
# writes fail (OOM, answered 503) and nothing stored is lost; the cache's pages are small and
# expire on their own.
#
# Persistence: every node keeps an append-only file (fsync every second), so a restarted node
# has its data; replication is asynchronous: see REDIS_WAIT_REPLICAS in docs/ha.md.

now_ms() { date +%s%3N; }
cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}" 2>/dev/null; }
answers() { cli "$1" ping | grep -q PONG; }
pid_of() { cat "$dir/$1.pid" 2>/dev/null || true; }
running() { # a killed daemon stays a zombie until its parent (init) reaps it: not running
    local pid
    pid=$(pid_of "$1")
    [ -n "$pid" ] && [ -e "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
}

node_pid() {
    local pid
    pid=$(pid_of "redis-$1")
    [ -n "$pid" ] || { say "no pid file for 127.0.0.1:$1"; return 1; }
    echo "$pid"
}

daemon_config() {
    printf '%s\n' "bind 127.0.0.1" "port $2" "daemonize yes" \
        "pidfile $dir/$1.pid" "logfile $dir/$1.log"
}

redis_config() {
    local port=$1
    mkdir -p "$dir/redis-$port"
    {
        daemon_config "redis-$port" "$port"
        printf '%s\n' "dir $dir/redis-$port" 'save ""' "appendonly yes" "appendfsync everysec" \
            "maxmemory $maxmemory" "maxmemory-policy noeviction"
        cat
    } >"$dir/redis-$port.conf"
}

start_redis() { redis-server "$dir/redis-$1.conf"; }

stop_pid() {
    local pid
    pid=$(pid_of "$1")
    [ -n "$pid" ] || return 0
    kill -CONT "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

revive() {
    local port
    for port in "$@"; do
        if ! running "redis-$port"; then
            start_redis "$port"
            say "started 127.0.0.1:$port again"
        fi
    done
}

wait_for() {
    local timeout_s=$1 what=$2 started
    shift 2
    started=$(now_ms)
    until "$@"; do
        if [ $(( $(now_ms) - started )) -gt $(( timeout_s * 1000 )) ]; then
            say "$what after ${timeout_s} s"
            return 1
        fi
        sleep 0.1
    done
}

kill_node() {
    local port=$1 label=$2 pid
    pid=$(node_pid "$port") || exit 1
    kill -9 "$pid"
    echo "KILLED_MASTER=$port"
    echo "KILLED_AT_MS=$(now_ms)"
    say "killed $label (pid $pid) with SIGKILL"
}

pause_node() {
    local port=$1 seconds=$2 label=$3 pid
    pid=$(node_pid "$port") || exit 1
    paused_pid=$pid # global: the EXIT trap runs after this function's locals are gone
    trap 'kill -CONT "$paused_pid" 2>/dev/null || true' EXIT # never leave it stopped
    kill -STOP "$pid"
    echo "PAUSED_MASTER=$port"
    echo "PAUSED_AT_MS=$(now_ms)"
    say "paused $label (pid $pid) for $seconds s"
    sleep "$seconds"
    kill -CONT "$pid"
    echo "RESUMED_AT_MS=$(now_ms)"
    say "resumed 127.0.0.1:$port"
}
