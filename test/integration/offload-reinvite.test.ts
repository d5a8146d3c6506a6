import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

/**
 * A re-INVITE announces a new port while the phone keeps sending from its old one:
 * Asterisk's symmetric RTP re-learns the old source (CHANNEL(rtp,dest) shows it), so the
 * agent must never rewrite toward the announced port, and must offload the call again
 * toward the source Asterisk really sends to.
 */
const labs: OffloadLab[] = [];
afterEach(async () => {
  for (const l of labs.splice(0)) await l.destroy();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Started {
  lab: OffloadLab;
  warnings: string[];
}

async function start(module: boolean, pbx: { localOptimizeDelayMs?: number } = {}): Promise<Started> {
  const warnings: string[] = [];
  const logger = createLogger('debug', {}, (line) => {
    const l = JSON.parse(line) as { level: string };
    if (l.level === 'warn' || l.level === 'error') warnings.push(line);
  });
  const lab = await OffloadLab.create({ pbx: { rtpOffloadModule: module, ...pbx }, logger });
  labs.push(lab);
  lab.gen.start();
  return { lab, warnings };
}

async function offloaded(lab: OffloadLab): Promise<LabCall> {
  const c = await lab.placeCall();
  await lab.until('call offloaded', () => lab.stateOf(c) === 'offloaded', 15_000);
  return c;
}

/** Flows rewriting toward `port` of `address` (the announced, unused port). */
async function rewritesToward(lab: OffloadLab, address: string, port: number): Promise<string[]> {
  const re = new RegExp(`set_field:${port}->(udp|tp)_dst\\b`);
  return (await lab.bed.ofctl('dump-flows'))
    .split('\n')
    .filter((l) => re.test(l) && l.includes(`set_field:${address}->ip_dst`));
}

async function reinviteStaying(s: Started): Promise<void> {
  const { lab } = s;
  const c = await offloaded(lab);
  // A port no phone of the lab uses (theirs count up from 20000).
  const announced = 40_000 + (c.aAddress.port % 1000);
  const lostBefore = c.a.stats().lost;
  const heardBefore = c.a.stats().received;
  // Alice's phone announces a new port and keeps sending (and listening) on the old one.
  c.call.reinvite('caller', { address: c.aAddress.address, port: announced });
  const seen: string[] = [];
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    seen.push(...(await rewritesToward(lab, c.aAddress.address, announced)));
    await sleep(40);
  }
  expect(seen, 'a flow rewrote toward the announced, unconfirmed port').toEqual([]);
  await lab.until(
    'offloaded again toward the old source',
    () => {
      const st = lab.agent!.engine.statusOf(c.call.bridgeId);
      const leg = st?.legs.find((l) => l.channelId === c.call.caller.uniqueid);
      return st?.state === 'offloaded' && leg?.remote?.port === c.aAddress.port;
    },
    15_000,
  );
  const heard = c.a.stats().received;
  await sleep(1000);
  expect(c.a.stats().received - heard).toBeGreaterThan(40);
  // Asterisk alone loses about one packet here; the switch must not add to that.
  expect(c.a.stats().lost - lostBefore).toBeLessThanOrEqual(3);
  expect(c.a.stats().received).toBeGreaterThan(heardBefore);
}

describe('re-INVITE to a port the phone does not use', () => {
  it('with the module: never rewrites toward the announced port, offloads again toward the real source', async () => {
    await reinviteStaying(await start(true));
  }, 60_000);

  it('over Getvar: a probe that sees nothing re-reads the leg instead of probing until hangup', async () => {
    await reinviteStaying(await start(false));
  }, 60_000);
});

describe('hangup and Local channels', () => {
  it('reads no leg of a channel whose Hangup was seen, nor of a Local channel, and warns of nothing', async () => {
    // Local channels stay in their bridges for a second before they are optimised away.
    const { lab, warnings } = await start(true, { localOptimizeDelayMs: 1000 });
    const whole: number[] = [];
    const atHangup: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start0 = lab.agent!.source.stats().requests;
      const c = await offloaded(lab);
      const before = lab.agent!.source.stats().requests;
      c.call.hangup();
      await lab.until('bridge gone', () => lab.agent!.engine.statusOf(c.call.bridgeId) === null, 5000);
      await sleep(300);
      const after = lab.agent!.source.stats().requests;
      atHangup.push(after - before);
      whole.push(after - start0);
    }
    console.log(
      `AMI requests per call, placed to gone: ${whole.join(' ')}; from hangup to gone: ${atHangup.join(' ')}`,
    );
    const far = lab.bed.far.ipv4;
    const viaLocal = await lab.pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: far[far.length - 9]!, port: 45_000 } },
      callee: { endpoint: 'bob', remote: { address: far[far.length - 10]!, port: 45_002 } },
      viaLocal: true,
    });
    await lab.until('Local channels optimised away', () => viaLocal.technology === 'native_rtp', 10_000);
    await sleep(500);
    viaLocal.hangup();
    await sleep(500);
    expect(warnings.filter((w) => /No such channel|cannot read|has no RTP leg|hung up/.test(w))).toEqual([]);
    // Nothing to read once both channels are gone: only the UserEvent with the counts.
    for (const n of atHangup) expect(n).toBeLessThanOrEqual(1);
  }, 90_000);
});
