#!/usr/bin/env bash
# End-to-end suite against a real Asterisk with chan_pjsip (test/asterisk/):
#   RTPO_ASTERISK=<install prefix holding sbin/asterisk and include/asterisk> npm run test:asterisk
# Without RTPO_ASTERISK there is nothing to run against: one line says so and it passes.
# Needs root (network namespaces, Open vSwitch) and SIPp (`sipp` on the PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${RTPO_ASTERISK:-}" ]; then
  echo "test:asterisk: RTPO_ASTERISK is not set (install prefix of a real Asterisk); skipped"
  exit 0
fi
npm run build --silent
exec npx vitest run --project asterisk "$@"
