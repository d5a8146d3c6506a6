#!/usr/bin/env bash
# The main job: a lab with a simulated PBX, bridged calls with real RTP, Open vSwitch in a
# network namespace, and the agent offloading the calls, with CPU before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "demo: not built yet. It will set up the lab (namespaces + Open vSwitch), place calls" >&2
echo "through the simulated PBX, start the agent, and print PBX CPU and packet counts" >&2
echo "before and after the offload." >&2
exit 1
