#!/usr/bin/env bash
# The main job: a lab with a simulated PBX, bridged calls with real RTP, Open vSwitch in a
# network namespace, and the agent offloading the calls, with CPU before and after.
# Installs what a fresh Debian 12 machine lacks, builds, then runs the demo:
#   scripts/demo.sh [--calls N] [--seconds S] [--json]
# Needs root: the lab creates network namespaces and runs its own Open vSwitch there.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=lib/setup.sh
. scripts/lib/setup.sh
require_root scripts/demo.sh
install_debian_packages
install_npm_packages
npm run build --silent >&2

# exec: Ctrl-C reaches the demo itself, which tears the lab down before exiting.
exec node dist/src/lab/demo/main.js "$@"
