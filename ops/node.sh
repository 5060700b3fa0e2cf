#!/usr/bin/env bash
# Type-check the k6 TypeScript scenarios: tsc --noEmit against @types/k6 (k6/package.json).
# Node.js and npm come from the machine; installed with apt-get when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/../k6"

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "node: installing nodejs and npm with apt-get" >&2
        apt-get install -y -qq nodejs npm >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null && apt-get install -y -qq nodejs npm >/dev/null; }
    else
        echo "node: Node.js and npm are missing (Debian: apt-get install nodejs npm)" >&2
        exit 1
    fi
fi
if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
node_modules/.bin/tsc --noEmit -p .
echo "node: k6 scenarios type-check (tsc $(node_modules/.bin/tsc --version | cut -d' ' -f2), @types/k6 $(node -p 'require("@types/k6/package.json").version'))" >&2
