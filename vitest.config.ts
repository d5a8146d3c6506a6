import { defineConfig } from 'vitest/config';

// Four projects (the fourth, asterisk, needs a real Asterisk and runs only by its own script): unit tests are pure and run in parallel; integration tests start
// real Open vSwitch daemons in network namespaces, so they run one file at a time
// (2 cores, one switch at a time keeps timings honest); conformance tests replay the
// recorded Asterisk 22 transcripts against the simulated PBX on loopback (no namespaces,
// no Asterisk needed).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Unit tests assert behaviour, never speed: the default 5 s would fail them on a
          // machine whose two cores are busy with other work.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Against a real Asterisk (RTPO_ASTERISK=<prefix>, `npm run test:asterisk`): one
        // Asterisk, one switch and one agent process at a time, scenarios in order.
        test: {
          name: 'asterisk',
          include: ['test/asterisk/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
    ],
  },
});
