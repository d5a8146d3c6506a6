#!/usr/bin/env bash
# The main job: a lab with a simulated PBX, bridged calls with real RTP, Open vSwitch in a
# network namespace, and the agent offloading the calls, with CPU before and after.
# Installs what a fresh Debian 12 machine lacks, builds, then runs the demo:
#   scripts/demo.sh [--calls N] [--seconds S] [--json]
# Needs root: the lab creates network namespaces and runs its own Open vSwitch there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/demo.sh: must run as root (the lab creates network namespaces)" >&2
  exit 2
fi

missing=()
for pkg in openvswitch-switch ethtool iproute2 tcpdump; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm 11 refuses a lock file without entries for other platforms' optional packages
# (rollup's); installing from it without rewriting it still gives the locked versions.
# Progress goes to stderr, so that with --json stdout carries only the JSON object.
npm_log=$(mktemp)
trap 'rm -f "$npm_log"' EXIT
if ! npm ci --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1; then
  echo "npm ci refused the lock file ($(grep -m1 -o 'Missing: [^ ]*' "$npm_log" || echo 'it failed')); installing from it without changing it" >&2
  npm install --no-save --no-audit --no-fund --loglevel=error >&2 || { cat "$npm_log" >&2; exit 1; }
fi
npm run build --silent >&2

rm -f "$npm_log"
trap - EXIT
# exec: Ctrl-C reaches the demo itself, which tears the lab down before exiting.
exec node dist/src/lab/demo/main.js "$@"
