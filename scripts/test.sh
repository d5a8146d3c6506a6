#!/usr/bin/env bash
# The one test command: installs what a fresh Debian 12 machine lacks, builds, lints,
# checks the systemd units, and runs every test (unit in parallel, then integration one
# file at a time). `npm test` runs the same set without the installs.
# Needs root: the integration tests create network namespaces and run Open vSwitch.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=lib/setup.sh
. scripts/lib/setup.sh
require_root scripts/test.sh
install_debian_packages
install_npm_packages
npm run build --silent
npm run lint --silent

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
scripts/verify-units.sh || status=1
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=1
npx vitest run --project conformance --reporter=default --reporter=json --outputFile.json="$results/conformance.json" || status=1
npm run fuzz --silent -- --inputs 2000 --seed 1 || { status=1; echo "FAILED fuzz" >"$results/fuzz.failed"; } # short, seeded run of every fuzz target
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$results/integration.json" || status=1

# Each failure by name, then one closing line that any CI can read.
cat "$results"/*.failed 2>/dev/null || true
node -e '
  const fs = require("fs"), path = require("path");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numTotalTestSuites && !r.success && r.numFailedTests === 0 ? 1 : 0);
    skipped += r.numPendingTests + r.numTodoTests;
    // Name every failure again here: CI logs are often read from the tail only.
    for (const file of r.testResults) {
      if (file.status === "failed" && file.assertionResults.every((a) => a.status !== "failed"))
        console.log(`FAILED ${path.relative(process.cwd(), file.name)}: ${String(file.message).split("\n")[0]}`);
      for (const a of file.assertionResults)
        if (a.status === "failed")
          console.log(`FAILED ${path.relative(process.cwd(), file.name)} > ${a.fullName}: ${String(a.failureMessages[0] ?? "").split("\n")[0]}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results/unit.json" "$results/conformance.json" "$results/integration.json"
exit $status
