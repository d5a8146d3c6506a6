import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeDto } from '../../../src/control/api.js';
import type { AgentControl, BridgeView } from '../../../src/control/provider.js';
import { ControlClient, ControlClientError } from '../../../src/control/client.js';
import { ControlServer } from '../../../src/control/server.js';

const bridge: BridgeView = {
  bridgeId: 'B1',
  state: 'offloaded',
  reason: null,
  detail: null,
  since: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  cookie: '0x00ab000000000001',
  technology: 'native_rtp',
  members: 2,
  legs: [],
};

function control(): AgentControl & { pins: string[]; kill: boolean[] } {
  const pins: string[] = [];
  const kill: boolean[] = [];
  return {
    pins,
    kill,
    status: () => ({
      version: '0',
      startedAt: '',
      dryRun: false,
      killSwitch: false,
      pbx: { source: 'ami', status: 'ready', requests: 0, events: 0, malformed: 0 },
      switch: { target: 't', status: 'ready', installedFlows: 0 },
      bridges: 1,
      offloaded: 1,
      probing: 0,
      counters: {},
    }),
    bridges: async () => [
      bridge,
      { ...bridge, bridgeId: 'B2', state: 'not-offloaded', reason: 'held', since: 0 },
    ],
    explain: async (id) => (id === 'B1' ? bridge : null),
    offload: async (id) => (pins.push(`offload ${id}`), id === 'B1' ? ['B1'] : []),
    revert: async (id) => (pins.push(`revert ${id}`), id === 'B1' ? ['B1'] : []),
    unpin: async (id) => (id === 'B1' ? ['B1'] : []),
    setKillSwitch: async (on) => void kill.push(on),
    metrics: () => 'rtpo_offloaded_calls 1\n',
  };
}

describe('the control API', () => {
  let dir: string;
  let server: ControlServer;
  let ctl: ReturnType<typeof control>;
  let client: ControlClient;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtpo-ctl-'));
    ctl = control();
    server = new ControlServer(ctl);
    await server.listen(join(dir, 'control.sock'), 0o660);
    client = new ControlClient(join(dir, 'control.sock'));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its socket with the configured mode, not world-writable', () => {
    expect(statSync(join(dir, 'control.sock')).mode & 0o777).toBe(0o660);
  });

  it('refuses a world-writable mode and a path that is not a socket', async () => {
    const other = new ControlServer(ctl);
    await expect(other.listen(join(dir, 'x.sock'), 0o666)).rejects.toMatchObject({ code: 'BAD_MODE' });
    writeFileSync(join(dir, 'file'), 'keep me');
    await expect(other.listen(join(dir, 'file'), 0o660)).rejects.toMatchObject({ code: 'BAD_PATH' });
  });

  it('lists only offloaded bridges as streams', async () => {
    expect((await client.get<BridgeDto[]>('/v1/streams')).map((b) => b.bridgeId)).toEqual(['B1']);
  });

  it('serves since as ISO 8601 (the engine gives epoch ms), null when never decided', async () => {
    const [b1, b2] = await client.get<BridgeDto[]>('/v1/bridges');
    expect(b1!.since).toBe('2026-01-02T03:04:05.678Z');
    expect(b2!.since).toBeNull();
    expect((await client.get<BridgeDto>('/v1/bridges/B1')).since).toBe('2026-01-02T03:04:05.678Z');
  });

  it('pins by id and answers 404 with a code for an unknown id', async () => {
    expect(await client.post('/v1/offload', { id: 'B1' })).toEqual({ bridges: ['B1'] });
    const err = await client.post('/v1/revert', { id: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlClientError);
    expect(err).toMatchObject({ code: 'UNKNOWN_ID', status: 404 });
    expect(ctl.pins).toEqual(['offload B1', 'revert nope']);
  });

  it('rejects a malformed body naming what was wrong', async () => {
    await expect(client.post('/v1/offload', { id: 'a b' })).rejects.toMatchObject({ code: 'BAD_ID' });
    await expect(client.post('/v1/kill-switch', { on: 'yes' })).rejects.toMatchObject({ code: 'BAD_BODY' });
    await expect(client.get('/v1/nothing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('switches the kill switch and serves metrics', async () => {
    await client.post('/v1/kill-switch', { on: true });
    expect(ctl.kill).toEqual([true]);
    expect(await client.text('/metrics')).toContain('rtpo_offloaded_calls 1');
  });
});
