import dgram from 'node:dgram';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SimulatedPbx, type SimCall, type SimulatedPbxOptions } from '../../src/lab/pbx/index.js';
import { RTP_HEADER_BYTES, rtpSsrc, writeRtpHeader } from '../../src/lab/pbx/rtp/packet.js';

const LEARN_MS = 300;
const pbxes: SimulatedPbx[] = [];
const sockets: dgram.Socket[] = [];

/** A phone's RTP port on loopback: sends numbered G.711 packets, records what arrives. */
class Port {
  readonly received: Buffer[] = [];
  seq = 1000;
  private constructor(
    readonly sock: dgram.Socket,
    readonly ssrc: number,
  ) {
    sock.on('message', (b) => this.received.push(b));
  }

  static async open(ssrc: number): Promise<Port> {
    const sock = dgram.createSocket('udp4');
    sockets.push(sock);
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    return new Port(sock, ssrc);
  }

  get port(): number {
    return this.sock.address().port;
  }

  /** Sends `n` packets in sequence, 5 ms apart, to the PBX port. */
  async send(toPort: number, n: number, ssrc = this.ssrc): Promise<void> {
    for (let i = 0; i < n; i++) {
      const b = Buffer.alloc(RTP_HEADER_BYTES + 160, 0xff);
      writeRtpHeader(b, 0, false, this.seq++ & 0xffff, this.seq * 160, ssrc);
      this.sock.send(b, toPort, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  from(ssrc: number): number {
    return this.received.filter((b) => rtpSsrc(b) === ssrc).length;
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(extra: Partial<SimulatedPbxOptions> = {}) {
  const pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: { host: '127.0.0.1', port: 0, users: [] },
    endpoints: { alice: { extension: '2001' }, bob: { extension: '2002' } },
    strictRtpLearnMs: LEARN_MS,
    ...extra,
  });
  pbxes.push(pbx);
  const alice = await Port.open(0xa11ce);
  const bob = await Port.open(0xb0b);
  const call = await pbx.placeCall({
    caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: alice.port } },
    callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: bob.port } },
  });
  await until('native_rtp', () => call.technology === 'native_rtp');
  const chan = pbx.channels().find((c) => c.uniqueid === call.caller.uniqueid)!;
  const dest = (): string => pbx.readVariable(chan, 'CHANNEL(rtp,dest)');
  return { pbx, call, alice, bob, chan, dest };
}

/** Alice's media flows and strict RTP has locked onto her SDP port. */
async function lockOn(s: { call: SimCall; alice: Port; bob: Port }): Promise<void> {
  await s.alice.send(s.call.caller.localRtpPort, 5);
  await until('alice heard by bob', () => s.bob.from(s.alice.ssrc) >= 5);
  await new Promise((r) => setTimeout(r, LEARN_MS + 50));
  await s.alice.send(s.call.caller.localRtpPort, 2);
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});
afterAll(async () => {
  for (const p of pbxes) await p.stop();
});

describe('strict RTP learning window (Asterisk 22 res_rtp_asterisk)', () => {
  it('drops a new source once learning has closed, and a re-INVITE to it opens learning again', async () => {
    const s = await setup();
    await lockOn(s);
    expect(s.chan.rtp.strictLearning).toBe(false);
    // NAT rebinding: the same phone now sends from another port, with no SIP.
    const moved = await Port.open(0xa11ce);
    await moved.send(s.call.caller.localRtpPort, 30, 0xa11ce2);
    await s.alice.send(s.call.caller.localRtpPort, 1);
    await until('the last packet from the old port', () => s.bob.from(s.alice.ssrc) >= 8);
    expect(s.bob.from(0xa11ce2)).toBe(0);
    expect(s.chan.rtp.droppedStrict).toBeGreaterThanOrEqual(30);
    expect(s.dest()).toBe(`127.0.0.1:${s.alice.port}`);
    // The re-INVITE names the new port: learning opens and its SDP target is taken at once.
    s.call.reinvite('caller', { address: '127.0.0.1', port: moved.port });
    expect(s.chan.rtp.strictLearning).toBe(true);
    await moved.send(s.call.caller.localRtpPort, 5, 0xa11ce2);
    await until('the new port heard by bob', () => s.bob.from(0xa11ce2) >= 5);
    expect(s.dest()).toBe(`127.0.0.1:${moved.port}`);
  });

  it('learns a source other than the SDP target after probation while learning is open again', async () => {
    const s = await setup();
    await lockOn(s);
    const announced = await Port.open(0);
    const nat = await Port.open(0xa11ce3);
    s.call.reinvite('caller', { address: '127.0.0.1', port: announced.port });
    const dropped = s.chan.rtp.droppedStrict;
    await nat.send(s.call.caller.localRtpPort, 10);
    await until('the NATed port heard by bob', () => s.bob.from(0xa11ce3) >= 6);
    // probation: the first 4 are dropped, the 5th is forwarded.
    expect(s.chan.rtp.droppedStrict - dropped).toBe(4);
    expect(s.bob.from(0xa11ce3)).toBe(6);
    expect(s.dest()).toBe(`127.0.0.1:${nat.port}`);
  });

  it('with strictrtp=no follows a new source at once', async () => {
    const s = await setup({ strictRtp: false });
    await lockOn(s);
    const moved = await Port.open(0xa11ce4);
    await moved.send(s.call.caller.localRtpPort, 5);
    await until('the new port heard by bob', () => s.bob.from(0xa11ce4) >= 5);
    expect(s.chan.rtp.droppedStrict).toBe(0);
    expect(s.dest()).toBe(`127.0.0.1:${moved.port}`);
    // And bob's audio now goes to where alice sends from.
    await s.bob.send(s.call.callee.localRtpPort, 3);
    await until('bob heard at the new port', () => moved.from(s.bob.ssrc) >= 3);
  });
});

describe('re-INVITE to a new port while the phone keeps sending from the old one', () => {
  it('re-learns the old source: CHANNEL(rtp,dest) shows the old port again, nothing is lost', async () => {
    const s = await setup();
    await lockOn(s);
    const announced = await Port.open(0);
    s.call.reinvite('caller', { address: '127.0.0.1', port: announced.port });
    // Until a packet arrives, Asterisk sends to the announced port.
    expect(s.dest()).toBe(`127.0.0.1:${announced.port}`);
    const dropped = s.chan.rtp.droppedStrict;
    const heard = s.bob.from(s.alice.ssrc);
    await s.alice.send(s.call.caller.localRtpPort, 5);
    await until('alice heard by bob', () => s.bob.from(s.alice.ssrc) >= heard + 5);
    expect(s.chan.rtp.droppedStrict).toBe(dropped);
    expect(s.dest()).toBe(`127.0.0.1:${s.alice.port}`);
    await s.bob.send(s.call.callee.localRtpPort, 3);
    await until('bob heard at the old port', () => s.alice.from(s.bob.ssrc) >= 3);
    expect(announced.received).toHaveLength(0);
  });
});
