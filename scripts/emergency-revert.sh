#!/usr/bin/env bash
# Removes every flow the agent installed, by its cookie tag, without the agent: media goes
# back through Asterisk at once (its own relay never stopped). Use when the agent is gone
# or misbehaving; stop it first, or it reinstalls what it still considers safe.
#
#   scripts/emergency-revert.sh [TARGET] [TAG]
#     TARGET  the bridge's OpenFlow target (default unix:/var/run/openvswitch/breth0.mgmt)
#     TAG     the agent's 16-bit cookie tag as configured (default 0x5250)
set -euo pipefail
usage() {
  cat <<'USAGE'
usage: emergency-revert.sh [TARGET] [TAG]

Removes every flow with the agent's cookie tag from the switch, without the agent: media goes
back through Asterisk at once. Stop the agent first, or it reinstalls what it still considers
safe.

  TARGET  the bridge's OpenFlow target (default unix:/var/run/openvswitch/breth0.mgmt)
  TAG     the agent's 16-bit cookie tag as configured (default 0x5250)

exit codes: 0 no flow of the tag left, 1 flows left or ovs-ofctl failed, 2 usage
USAGE
}
case ${1:-} in
  -h | --help) usage; exit 0 ;;
  -*) echo "emergency-revert: unknown option $1" >&2; usage >&2; exit 2 ;;
esac
target=${1:-unix:/var/run/openvswitch/breth0.mgmt}
tag=${2:-0x5250}
if ! [[ $tag =~ ^(0x[0-9a-fA-F]{1,4}|[0-9]{1,5})$ ]] || (( tag < 1 || tag > 0xffff )); then
  echo "emergency-revert: tag must be a 16-bit number like 0x5250, got '$tag'" >&2
  exit 2
fi
cookie=$(printf '0x%04x000000000000/0xffff000000000000' "$tag")
before=$(ovs-ofctl -O OpenFlow13 dump-aggregate "$target" "cookie=$cookie" | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p')
ovs-ofctl -O OpenFlow13 del-flows "$target" "cookie=$cookie"
after=$(ovs-ofctl -O OpenFlow13 dump-aggregate "$target" "cookie=$cookie" | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p')
echo "emergency-revert: removed $((before - after)) flow(s) with cookie $cookie from $target; $after left"
[ "$after" -eq 0 ]
