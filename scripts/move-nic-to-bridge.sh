#!/usr/bin/env bash
# Moves a host's NIC into an Open vSwitch bridge and its addresses and routes onto the
# bridge's own interface, so Asterisk's address lives on the bridge (breth0) and the NIC is
# the bridge's uplink port: what rtp-offload needs (docs/deploy.md, "The bridge").
#
#   scripts/move-nic-to-bridge.sh [options] NIC
#     --bridge NAME       bridge to create or reuse (default breth0)
#     --check ADDRESS     address that must answer ping afterwards (default: the NIC's IPv4
#                         default gateway, if it has one); no answer: everything is rolled back
#     --check-seconds N   how long to wait for that answer (default 15)
#     --db TARGET         ovsdb to talk to (default: ovs-vsctl's own)
#     --datapath TYPE     datapath_type of a new bridge (default: the system datapath)
#     --dry-run           print what would be done and change nothing
#
# Risks, read before running it on a host you reach over that NIC:
# - From the moment the NIC becomes a port of the bridge until the addresses are on the
#   bridge interface (well under a second), the host does not answer on that NIC. Open
#   connections (your SSH session) normally survive: TCP retransmits.
# - If the answer check fails, or any step fails, the script puts everything back as it
#   found it. A host can still be cut off if the script itself is killed between those
#   steps: run it from the console, or detached from your session, e.g.
#   `systemd-run --unit=move-nic --collect scripts/move-nic-to-bridge.sh eth0`
#   (it ignores SIGHUP, so a dropped SSH session does not stop it half-way).
# - Only the running state changes: make it permanent in the distribution's network
#   configuration (docs/deploy.md) before the next reboot, or the host comes back with the
#   address on the NIC and an OVS port that swallows its traffic.
# - Addresses from DHCP or SLAAC are copied as static ones: the DHCP client on the NIC
#   no longer renews them. Move DHCP to the bridge in the network configuration.
# - The bridge takes the NIC's MAC address, so switches, DHCP servers and peers' ARP caches
#   see no change; port security on the physical switch keeps working.
set -Eeuo pipefail
trap '' HUP

usage() {
  sed -n '7,13s/^# \{0,1\}//p' "$0"
}

bridge=breth0 check='' check_seconds=15 db='' datapath='' dry_run=0 nic=''
while [ $# -gt 0 ]; do
  case "$1" in
    --bridge) bridge=${2:?--bridge needs a name}; shift 2 ;;
    --check) check=${2:?--check needs an address}; shift 2 ;;
    --check-seconds) check_seconds=${2:?--check-seconds needs a number}; shift 2 ;;
    --db) db=${2:?--db needs a target}; shift 2 ;;
    --datapath) datapath=${2:?--datapath needs a type}; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) echo "usage: $(basename "$0") [options] NIC"; usage; exit 0 ;;
    -*) echo "move-nic-to-bridge: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$nic" ] || { echo "move-nic-to-bridge: one NIC only" >&2; exit 2; }; nic=$1; shift ;;
  esac
done
[ -n "$nic" ] || { echo "usage: $(basename "$0") [options] NIC (see --help)" >&2; exit 2; }
say() { echo "move-nic-to-bridge: $*" >&2; }
die() { say "$*"; exit 1; }

vsctl() { ovs-vsctl ${db:+--db="$db"} --timeout=20 "$@"; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
ip link show dev "$nic" >/dev/null 2>&1 || die "no interface $nic"
vsctl show >/dev/null || die "cannot reach ovsdb${db:+ at $db}"
if vsctl port-to-br "$nic" >/dev/null 2>&1; then
  die "$nic is already a port of bridge $(vsctl port-to-br "$nic")"
fi
bridge_existed=0
if vsctl br-exists "$bridge"; then bridge_existed=1; fi
if [ "$bridge_existed" -eq 0 ] && ip link show dev "$bridge" >/dev/null 2>&1; then
  die "$bridge exists as a non-OVS interface"
fi

# What the NIC holds now: restored as-is on rollback.
mac=$(cat "/sys/class/net/$nic/address")
mtu=$(cat "/sys/class/net/$nic/mtu")
# "4 192.0.2.10/24" or "6 2001:db8::10/64": family, then address.
mapfile -t addrs < <(ip -o addr show dev "$nic" scope global | awk '{print ($3 == "inet6" ? 6 : 4) " " $4}')
# Kernel routes come back with the addresses; the others (gateways, static) are moved.
mapfile -t routes4 < <(ip -o -4 route show dev "$nic" | grep -v ' proto kernel ' || true)
mapfile -t routes6 < <(ip -o -6 route show dev "$nic" | grep -v ' proto kernel ' | grep -v '^fe80::' || true)
if [ -z "$check" ]; then
  check=$(ip -4 route show default dev "$nic" | awk '/via/ {print $3; exit}')
fi

say "bridge $bridge ($([ "$bridge_existed" -eq 1 ] && echo existing || echo new)), MAC $mac, MTU $mtu"
for a in "${addrs[@]}"; do say "address ${a#* } moves from $nic to $bridge"; done
for r in "${routes4[@]}" "${routes6[@]}"; do say "route '$r' moves from $nic to $bridge"; done
say "answer check: ${check:-none (no default gateway on $nic and no --check)}"
[ "$dry_run" -eq 0 ] || exit 0

rollback() {
  trap - ERR
  set +e
  say "rolling back"
  if [ "$bridge_existed" -eq 1 ]; then vsctl --if-exists del-port "$bridge" "$nic"; else vsctl --if-exists del-br "$bridge"; fi
  ip link set dev "$nic" up
  for a in "${addrs[@]}"; do
    [ "$bridge_existed" -eq 1 ] && ip addr del "${a#* }" dev "$bridge" 2>/dev/null
    ip -"${a%% *}" addr replace "${a#* }" dev "$nic"
  done
  # shellcheck disable=SC2086 # a route is words for ip
  for r in "${routes4[@]}"; do ip -4 route replace $r dev "$nic"; done
  # shellcheck disable=SC2086 # a route is words for ip
  for r in "${routes6[@]}"; do ip -6 route replace $r dev "$nic"; done
  say "rolled back: $nic holds its addresses and routes again"
}
on_error() {
  say "failed at line $1"
  rollback
  exit 1
}
trap 'on_error $LINENO' ERR

# One transaction: the bridge (with the NIC's MAC, so nothing outside sees a change) and the
# port appear together, or not at all.
vsctl -- --may-exist add-br "$bridge" \
  -- set bridge "$bridge" other-config:hwaddr="$mac" fail-mode=standalone ${datapath:+datapath_type=$datapath} \
  -- add-port "$bridge" "$nic"
for _ in $(seq 1 100); do
  ip link show dev "$bridge" >/dev/null 2>&1 && break
  sleep 0.1
done
ip link set dev "$bridge" mtu "$mtu" up
for a in "${addrs[@]}"; do
  ip -"${a%% *}" addr replace "${a#* }" dev "$bridge"
done
ip addr flush dev "$nic" scope global
# shellcheck disable=SC2086 # a route is words for ip
for r in "${routes4[@]}"; do ip -4 route replace $r dev "$bridge"; done
# shellcheck disable=SC2086 # a route is words for ip
for r in "${routes6[@]}"; do ip -6 route replace $r dev "$bridge"; done

if [ -n "$check" ]; then
  deadline=$((SECONDS + check_seconds))
  until ping -c 1 -W 1 -n "$check" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "$check does not answer through $bridge within ${check_seconds}s"
      rollback
      exit 1
    fi
    sleep 0.5
  done
  say "$check answers through $bridge"
fi
trap - ERR
say "done: $nic is a port of $bridge, which holds its addresses; make it permanent (docs/deploy.md)"
