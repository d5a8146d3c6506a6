#!/usr/bin/env bash
# The one test command: installs what a fresh Debian 12 machine lacks, builds, lints,
# and runs every test (unit in parallel, then integration one file at a time).
# Needs root: the integration tests create network namespaces and run Open vSwitch.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh: must run as root (integration tests create network namespaces)" >&2
  exit 2
fi

missing=()
for pkg in openvswitch-switch ethtool iproute2 tcpdump; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm 11 records only this platform's optional binaries (rollup's) in the lock file and then
# `npm ci` refuses that same lock; install from it without rewriting it instead.
if ! npm ci --no-audit --no-fund --loglevel=error 2>/dev/null; then
  echo "npm ci refused the lock file; installing from it with npm install --no-save"
  npm install --no-audit --no-fund --no-save --loglevel=error
fi
npm run build --silent
npm run lint --silent

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=1
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$results/integration.json" || status=1

# One closing line that any CI can read.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numTotalTestSuites && !r.success && r.numFailedTests === 0 ? 1 : 0);
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results/unit.json" "$results/integration.json"
exit $status
