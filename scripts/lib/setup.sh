# shellcheck shell=bash
# Shared set-up for the README's two commands (scripts/test.sh, scripts/demo.sh): whatever a
# fresh Debian 12 machine lacks. Sourced, not run. Progress goes to stderr, so a caller's
# stdout can stay machine-readable (the demo's --json).

require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$1: must run as root (the lab creates network namespaces and runs Open vSwitch)" >&2
    exit 2
  fi
}

install_debian_packages() {
  local missing=() pkg
  for pkg in openvswitch-switch ethtool iproute2 tcpdump iputils-ping systemd; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# The lock file records every platform's optional binaries, so `npm ci` installs exactly it.
install_npm_packages() {
  npm ci --no-audit --no-fund --loglevel=error >&2
}
