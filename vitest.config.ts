import { defineConfig } from 'vitest/config';

// Three projects: unit tests are pure and run in parallel; integration tests start
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
