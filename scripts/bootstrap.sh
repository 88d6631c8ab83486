#!/usr/bin/env bash
# Installs what liftwatch needs on a Debian machine, and only what is missing:
# Debian's influxdb (the local InfluxDB) and mosquitto-clients (used by the tests), then npm ci.
# --with-browser (the tests) adds chromium and a CJK font for the web console's browser tests,
# and redis-server for the broker's Redis tests.
# --with-bench (the benchmarks) adds Debian's Mosquitto, the baseline of pipeline-throughput and connections.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v influxd >/dev/null 2>&1 || missing+=(influxdb)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
if [ "${1:-}" = "--with-browser" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-wqy-microhei)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
fi
if [[ " $* " == *" --with-bench "* ]]; then
  [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "bootstrap: please install ${missing[*]} (apt-get install -y ${missing[*]}) as root, then run this again" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]} from Debian's archive"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci (better-sqlite3 compiles from source where no prebuilt binary is reachable: a minute or two)"
  npm ci --no-audit --no-fund --loglevel=error
fi
