import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AmiProbe, SimulatedPbx, type SimulatedPbxOptions } from '../../src/lab/pbx/index.js';

const users = [{ username: 'admin', secret: 'a', read: 'all', write: 'all' }];
const pbxes: SimulatedPbx[] = [];
const probes: AmiProbe[] = [];

async function startPbx(extra: Partial<SimulatedPbxOptions> = {}): Promise<SimulatedPbx> {
  const pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: { host: '127.0.0.1', port: 0, users },
    endpoints: { alice: { extension: '2001' }, bob: { extension: '2002' } },
    ...extra,
  });
  pbxes.push(pbx);
  return pbx;
}

async function admin(pbx: SimulatedPbx): Promise<AmiProbe> {
  const p = await AmiProbe.connect('127.0.0.1', pbx.amiAddress().port);
  probes.push(p);
  expect((await p.login('admin', 'a')).get('Response')).toBe('Success');
  return p;
}

const placeCall = (pbx: SimulatedPbx, port: number) =>
  pbx.placeCall({
    caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port } },
    callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: port + 2 } },
  });

/** Events a session received that name one of `ids` as channel or bridge. */
const about = (p: AmiProbe, ids: readonly string[]) =>
  p.messages.filter(
    (m) => ids.includes(m.get('Uniqueid') ?? '') || ids.includes(m.get('BridgeUniqueid') ?? ''),
  );

afterEach(() => {
  for (const p of probes.splice(0)) p.close();
});
afterAll(async () => {
  for (const p of pbxes) await p.stop();
});

describe('fault injection: a dropped hangup', () => {
  it('hides the whole teardown of a call from AMI while the PBX forgets the call', async () => {
    const pbx = await startPbx();
    const ami = await admin(pbx);
    const call = await placeCall(pbx, 41000);
    const ids = [call.caller.uniqueid, call.callee.uniqueid, call.bridgeId];
    await ami.waitEvent('BridgeEnter', (m) => m.get('Uniqueid') === call.caller.uniqueid);
    pbx.faults.dropNextHangup(call.caller.uniqueid);
    call.hangup();
    expect(pbx.calls()).toHaveLength(0);
    expect(pbx.bridges()).toHaveLength(0);
    // A second call's Hangup arriving proves everything raised before it was delivered.
    const next = await placeCall(pbx, 41010);
    const nextGone = ami.waitEvent('Hangup', (m) => m.get('Uniqueid') === next.callee.uniqueid);
    next.hangup();
    await nextGone;
    const seen = about(ami, ids).map((m) => m.get('Event'));
    expect(seen).not.toContain('Hangup');
    expect(seen).not.toContain('HangupRequest');
    expect(seen).not.toContain('BridgeLeave');
    expect(seen).not.toContain('BridgeDestroy');
    expect(pbx.faults.droppedEvents).toBeGreaterThanOrEqual(6);
    // Asterisk no longer has the bridge: BridgeList (what a re-list reads) shows nothing.
    const list = await ami.list('BridgeList');
    expect(list.items).toHaveLength(0);
  });

  it("with scope 'channel' drops only that channel's events, and only once", async () => {
    const pbx = await startPbx();
    const ami = await admin(pbx);
    const call = await placeCall(pbx, 41020);
    await ami.waitEvent('BridgeEnter', (m) => m.get('Uniqueid') === call.caller.uniqueid);
    pbx.faults.dropNextHangup(call.caller.uniqueid, 'channel');
    const destroyed = ami.waitEvent('BridgeDestroy', (m) => m.get('BridgeUniqueid') === call.bridgeId);
    const calleeGone = ami.waitEvent('Hangup', (m) => m.get('Uniqueid') === call.callee.uniqueid);
    call.hangup();
    await Promise.all([destroyed, calleeGone]);
    expect(about(ami, [call.caller.uniqueid]).map((m) => m.get('Event'))).not.toContain('Hangup');
    // Disarmed after use: the next call's hangup is heard in full.
    const next = await placeCall(pbx, 41030);
    const heard = ami.waitEvent('Hangup', (m) => m.get('Uniqueid') === next.caller.uniqueid);
    next.hangup();
    await heard;
  });
});
