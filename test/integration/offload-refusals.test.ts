import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

const endpoints = {
  alice: { tosAudio: 'ef' },
  bob: { tosAudio: 'ef' },
  srtp: { mediaEncryption: 'sdes' as const },
  ice: { iceSupport: true },
  direct: { directMedia: true },
  alaw: { allow: ['alaw' as const] },
  mux: { rtcpMux: true },
};

describe('calls the agent must never offload', () => {
  let lab: OffloadLab;
  const calls = new Map<string, LabCall>();

  beforeAll(async () => {
    lab = await OffloadLab.create({
      endpoints,
      agent: { policy: { minBridgeAgeMs: 200, assumeSamePayloadTypes: true } },
    });
    calls.set('srtp', await lab.placeCall({ callee: 'srtp' }));
    calls.set('ice', await lab.placeCall({ callee: 'ice' }));
    calls.set('direct-media', await lab.placeCall({ caller: 'direct', callee: 'direct' }));
    calls.set('codec-mismatch', await lab.placeCall({ callee: 'alaw', calleeCodec: 'alaw' }));
    calls.set('rtcp-mux', await lab.placeCall({ callee: 'mux' }));
    calls.set('remote-not-learned', await lab.placeCall({ sending: false }));
    calls.set('ok', await lab.placeCall());
    lab.gen.start();
    await lab.until('the compatible call offloaded', () => lab.stateOf(calls.get('ok')!) === 'offloaded');
    await new Promise((r) => setTimeout(r, 1500));
  }, 90_000);
  afterAll(async () => {
    await lab?.destroy();
  });

  it.each(['srtp', 'ice', 'direct-media', 'codec-mismatch', 'rtcp-mux', 'remote-not-learned'])(
    'refuses %s with that reason',
    (reason) => {
      const status = lab.agent!.engine.statusOf(calls.get(reason)!.call.bridgeId)!;
      expect(status.state).not.toBe('offloaded');
      expect(status.reason).toBe(reason);
      expect(status.detail).toBeTruthy();
    },
  );

  it('installs no forwarding flow for any refused call', async () => {
    const flows = await lab.bed.ofctl('dump-flows');
    const forwarding = flows.split('\n').filter((l) => l.includes('IN_PORT'));
    // Only the compatible call: two directions.
    expect(forwarding).toHaveLength(2);
  });

  it('does not forward a stranger aimed at an offloaded PBX port: the packet reaches the PBX', async () => {
    const ok = calls.get('ok')!;
    const stranger = await lab.bed.udpSocket('far', 'udp4', lab.bed.far.ipv4[30]!, 0);
    const before = await counters(ok);
    for (let i = 0; i < 20; i++) {
      stranger.send(Buffer.alloc(172, 0x80), ok.call.caller.localRtpPort, ok.call.caller.localAddress);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const after = await counters(ok);
    stranger.close();
    // The forwarding flows counted only the phones (50/s each), not the stranger…
    const phones = (after.t - before.t) / 1000;
    expect(after.forward - before.forward).toBeLessThanOrEqual(Math.ceil(2 * 50 * phones) + 4);
    // …whose 20 datagrams took the switch's default path to the PBX.
    expect(after.normal - before.normal).toBeGreaterThanOrEqual(20);
  });

  async function counters(c: LabCall): Promise<{ forward: number; normal: number; t: number }> {
    const text = await lab.bed.ofctl('dump-flows');
    let forward = 0;
    let normal = 0;
    for (const line of text.split('\n')) {
      const n = Number(/n_packets=(\d+)/.exec(line)?.[1] ?? 0);
      if (line.includes('IN_PORT') && line.includes(`tp_dst=${c.call.caller.localRtpPort}`)) forward += n;
      if (/priority=0\b/.test(line) || (!line.includes('priority=') && line.includes('actions=NORMAL')))
        normal += n;
    }
    return { forward, normal, t: Date.now() };
  }
});

describe('dry-run', () => {
  it('decides and reports what it would do, and installs nothing', async () => {
    const lab = await OffloadLab.create({ agent: { dryRun: true } });
    try {
      const c = await lab.placeCall();
      lab.gen.start();
      await lab.until(
        'a decision',
        () =>
          lab.stateOf(c) === 'would-offload' ||
          lab.agent!.engine.statusOf(c.call.bridgeId)?.reason === 'remote-not-learned',
        10_000,
      );
      await new Promise((r) => setTimeout(r, 1000));
      const flows = await lab.bed.ofctl('dump-flows');
      expect(flows.split('\n').filter((l) => l.includes('cookie=0x5250'))).toEqual([]);
      expect(lab.agent!.engine.statusOf(c.call.bridgeId)?.state).not.toBe('offloaded');
    } finally {
      await lab.destroy();
    }
  }, 60_000);
});
