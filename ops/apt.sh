# Sourced by the server scripts: Debian packages installed when missing.
#
# apt_install WHO PACKAGE...   as root with apt-get: install the packages (refreshing the package
#                              lists only if the first try fails). Otherwise say how to install
#                              them and return 1 under CI=true (CI must not skip a server's tests),
#                              0 elsewhere (the tests that need them say so and skip).
apt_install() {
    local who=$1
    shift
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "$who: $* missing; install it (Debian: sudo apt-get install $*)" >&2
        [ "${CI:-}" = true ] && return 1
        return 0
    fi
    echo "$who: installing $* with apt-get" >&2
    apt-get install -y -qq "$@" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq "$@" >/dev/null; }
}
