import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../../src/control/api.js';
import { formatStatus } from '../../../src/cli/format.js';

const base: AgentStatus = {
  version: '1.2.3',
  startedAt: '2026-12-04T04:00:00.000Z',
  dryRun: false,
  killSwitch: false,
  pbx: { source: 'ami', status: 'reconnecting', requests: 5, events: 9, malformed: 0 },
  switch: { target: 'unix:/run/x.mgmt', status: 'ready', installedFlows: 4 },
  bridges: 1,
  offloaded: 1,
  probing: 0,
  counters: {},
};
const now = Date.parse('2026-12-04T04:10:00.000Z');

describe('rtp-offload status as a table', () => {
  it('says which dependency is up or down, since when, and why', () => {
    const text = formatStatus(
      {
        ...base,
        dependencies: {
          switch: { status: 'up', since: '2026-12-04T04:00:01.000Z' },
          asterisk: { status: 'down', since: '2026-12-04T04:09:30.000Z', detail: 'ECONNREFUSED' },
        },
      },
      now,
    ).split('\n');
    expect(text[1]).toMatch(
      /^asterisk \(ami\): reconnecting, .* — down since 2026-12-04T04:09:30\.000Z \(30s\): ECONNREFUSED$/,
    );
    expect(text[2]).toMatch(/ — up since 2026-12-04T04:00:01\.000Z \(9m59s\)$/);
  });

  it('leaves the dependency part out for an agent that does not report it', () => {
    expect(formatStatus(base, now)).not.toContain(' since 2026-12-04T04:00:01');
    expect(formatStatus(base, now).split('\n')[1]).toMatch(/malformed$/);
  });
});
