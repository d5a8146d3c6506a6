import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

let lab: OffloadLab;
let v4: LabCall;
let v6: LabCall[];

beforeAll(async () => {
  // An unusual TTL proves the switch's rewrite sets it (phones and the PBX both send 64).
  lab = await OffloadLab.create({ agent: { switch: { ttl: 61 } } });
  v4 = await lab.placeCall();
  v6 = [];
  for (let i = 0; i < 4; i++) v6.push(await lab.placeCall({ family: 6 }));
  lab.gen.start();
  await lab.until('all calls offloaded', () => lab.offloadedCount() === 5, 30_000);
}, 90_000);
afterAll(async () => {
  await lab?.destroy();
});

describe('IPv6 and packet marking', () => {
  it('offloads IPv6 calls the same way: the PBX relays nothing, phones hear the PBX v6 address', async () => {
    const before = v6.map((c) => c.call.relayed().packets);
    const got = v6.map((c) => c.a.stats().received);
    await new Promise((r) => setTimeout(r, 1500));
    v6.forEach((c, i) => {
      expect(c.call.relayed().packets).toBe(before[i]);
      expect(c.a.stats().received - got[i]!).toBeGreaterThan(50);
      expect(Object.keys(c.a.stats().sources)).toEqual([
        `[${c.call.caller.localAddress}]:${c.call.caller.localRtpPort}`,
      ]);
    });
  });

  it('marks rewritten packets with the DSCP Asterisk uses for audio (tos_audio=ef) and the configured fresh TTL', async () => {
    const port = v4.call.callee.localRtpPort;
    const text = await capture(
      lab.bed.farNs,
      lab.bed.far.iface,
      `udp and src host ${lab.bed.pbx.ipv4} and src port ${port}`,
      5,
    );
    const headers = text.split('\n').filter((l) => l.includes('tos'));
    expect(headers.length).toBeGreaterThanOrEqual(5);
    for (const h of headers) {
      expect(h).toContain('tos 0xb8');
      expect(h).toContain('ttl 61');
    }
  });
});

/** `tcpdump -c N` inside a namespace; resolves with its verbose text. */
function capture(ns: string, iface: string, filter: string, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      'ip',
      ['netns', 'exec', ns, 'tcpdump', '-i', iface, '-nn', '-v', '-c', String(count), ...filter.split(' ')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill(), 10_000);
    p.on('exit', () => {
      clearTimeout(t);
      resolve(out);
    });
    p.on('error', reject);
  });
}
