#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the `redis` profile's notices and the load runs.
#
#   ops/postgres.sh install   install Debian's postgresql if its binaries are missing (as root)
#   ops/postgres.sh start     initialise (first time) and start on 127.0.0.1:$PG_PORT (default
#                             55432), data in var/postgres/; print the DATABASE_URL to use
#   ops/postgres.sh stop      stop it (fast shutdown: its data stays)
#   ops/postgres.sh status    say whether it answers, and where
#   ops/postgres.sh url       print the DATABASE_URL (one line, NAME=value)
#
# Authentication is 'trust' for loopback connections only: a cluster for this machine's tests
# and load runs, never for anything reachable from elsewhere. PostgreSQL refuses to run as
# root: as root, the cluster belongs to the 'postgres' user and runs through runuser.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PG_PORT:-55432}
dir=${PG_DIR:-$PWD/var/postgres}
database=${PG_DATABASE:-redis_practice}
url="postgresql+psycopg://postgres@127.0.0.1:$port/$database"

say() { echo "postgres: $*" >&2; }
. ops/apt.sh
. ops/server.sh

bindir() {
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install() {
    if [ -n "$(bindir)" ] && [ -x "$(bindir)/initdb" ]; then
        return 0
    fi
    apt_install postgres postgresql || return 1
    [ -x "$(bindir)/initdb" ] || [ "$(id -u)" -ne 0 ]
}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

answers() { "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; }

start() {
    install
    [ -x "$(bindir)/initdb" ] || { say "cannot start: PostgreSQL is not installed"; exit 1; }
    if answers; then
        say "already answering on 127.0.0.1:$port"
        echo "DATABASE_URL=$url"
        return 0
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres "$dir"
        chmod 0755 "$(dirname "$dir")"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        say "initialising a cluster in $dir/data"
        as_owner "$(bindir)/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir" start >/dev/null
    if ! "$(bindir)/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
        "$(bindir)/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
    fi
    say "started on 127.0.0.1:$port (log: $dir/postgres.log); migrate with: redis-practice db upgrade"
    echo "DATABASE_URL=$url"
}

stop() { stop_with as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; }

status() {
    [ -n "$(bindir)" ] || { say "PostgreSQL is not installed"; return 3; }
    report_status "DATABASE_URL=$url"
}

url() { echo "DATABASE_URL=$url"; }

dispatch "install start stop status url" "$@"
