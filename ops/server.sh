# Sourced by the scripts that run one server on loopback (ops/redis.sh, ops/postgres.sh). The
# script defines `say`, `answers` (does the server answer on 127.0.0.1:$port?) and its commands.
#
# stop_with COMMAND...      run COMMAND to stop the server if it answers; say which happened
# report_status LINE...     if it answers: say where, then print each LINE (to stdout);
#                           otherwise say nothing answers, and return 3
# dispatch "CMD ..." ARG... run the script's function named by ARG if it is one of CMD ...,
#                           else print the usage and exit 2
stop_with() {
    if answers; then
        "$@"
        say "stopped 127.0.0.1:$port"
    else
        say "nothing answers on 127.0.0.1:$port"
    fi
}

report_status() {
    if answers; then
        say "answering on 127.0.0.1:$port"
        [ $# -eq 0 ] || printf '%s\n' "$@"
    else
        say "nothing answers on 127.0.0.1:$port"
        return 3
    fi
}

dispatch() {
    local commands=$1
    shift
    case " $commands " in
        *" ${1:-} "*) "$1" ;;
        *) echo "usage: $0 ${commands// /|}" >&2; exit 2 ;;
    esac
}
