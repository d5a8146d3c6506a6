import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AmiProbe, SimulatedPbx, type SimulatedPbxOptions } from '../../src/lab/pbx/index.js';

const users = [{ username: 'admin', secret: 'a', read: 'all', write: 'all' }];
const pbxes: SimulatedPbx[] = [];
const probes: AmiProbe[] = [];
const FIXTURE = fileURLToPath(
  new URL('../fixtures/asterisk-22/module/rtp-offload-list.jsonl', import.meta.url),
);

/** Header names of the first RtpOffloadPair Asterisk 22 sent with the module. */
function recordedPairFields(): string[] {
  for (const line of readFileSync(FIXTURE, 'utf8').split('\n')) {
    if (!line.includes('RtpOffloadPair')) continue;
    const raw = (JSON.parse(line) as { raw: string }).raw;
    return raw
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.slice(0, l.indexOf(':')));
  }
  throw new Error('no RtpOffloadPair in the fixture');
}

async function startPbx(extra: Partial<SimulatedPbxOptions> = {}): Promise<SimulatedPbx> {
  const pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: { host: '127.0.0.1', port: 0, users },
    endpoints: { alice: { extension: '2001' }, bob: { extension: '2002' } },
    rtpOffloadModule: true,
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

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(() => {
  for (const p of probes.splice(0)) p.close();
});
afterAll(async () => {
  for (const p of pbxes) await p.stop();
});

describe('res_rtp_offload in the simulated PBX', () => {
  it('lists native_rtp pairs with the fields Asterisk 22 sends, in the same order', async () => {
    const pbx = await startPbx();
    const ami = await admin(pbx);
    const lc = await ami.action('ListCommands');
    expect(lc.get('RtpOffloadList')).toBe('List bridged RTP stream pairs (Priv: reporting,all)');
    const a = await placeCall(pbx, 42000);
    const b = await placeCall(pbx, 42010);
    await until(() => a.technology === 'native_rtp' && b.technology === 'native_rtp');
    const all = await ami.list('RtpOffloadList');
    expect(all.response.get('Message')).toBe('RTP offload pair listing will follow');
    expect(all.items.map((m) => m.get('BridgeUniqueid')).sort()).toEqual([a.bridgeId, b.bridgeId].sort());
    const item = all.items.find((m) => m.get('BridgeUniqueid') === a.bridgeId)!;
    const names = item.fields.map(([k]) => k).filter((k) => k !== 'ActionID');
    expect(names).toEqual(recordedPairFields().filter((k) => k !== 'ActionID'));
    expect(item.get('Mode')).toBe('local');
    expect(item.get('Leg1Relay')).toBe('yes');
    expect(item.get('Leg1RemoteLearned')).toBe('no');
    expect(all.complete?.get('ListItems')).toBe('2');
  });

  it('filters by bridge and whole channel uniqueid, and refuses more than 256 ids', async () => {
    const pbx = await startPbx();
    const ami = await admin(pbx);
    const a = await placeCall(pbx, 42020);
    const b = await placeCall(pbx, 42030);
    await until(() => a.technology === 'native_rtp' && b.technology === 'native_rtp');
    const byBridge = await ami.list('RtpOffloadList', { BridgeUniqueid: ` ${b.bridgeId} , ,nope` });
    expect(byBridge.items.map((m) => m.get('BridgeUniqueid'))).toEqual([b.bridgeId]);
    const byChannel = await ami.list('RtpOffloadList', { Uniqueid: a.callee.uniqueid });
    expect(byChannel.items.map((m) => m.get('BridgeUniqueid'))).toEqual([a.bridgeId]);
    const prefix = a.callee.uniqueid.slice(0, a.callee.uniqueid.indexOf('.') + 1);
    expect((await ami.list('RtpOffloadList', { Uniqueid: prefix })).items).toHaveLength(0);
    const simple = await ami.list('RtpOffloadList', {
      BridgeUniqueid: a.bridgeId,
      Technology: 'simple_bridge',
    });
    expect(simple.items).toHaveLength(0);
    // Repeated headers keep each line under manager.c's 1024-byte limit.
    const lines = Array.from({ length: 3 }, (_, l) =>
      Array.from({ length: l < 2 ? 100 : 57 }, (_, i) => `id-${l}-${i}`).join(','),
    );
    const reply = ami.waitFor((m) => m.get('ActionID') === 'many');
    ami.write(
      `Action: RtpOffloadList\r\nActionID: many\r\n${lines.map((v) => `BridgeUniqueid: ${v}\r\n`).join('')}\r\n`,
    );
    const tooMany = await reply;
    expect([tooMany.get('Response'), tooMany.get('Message')]).toEqual([
      'Error',
      'Too many ids: at most 256 BridgeUniqueid and Uniqueid values per request',
    ]);
  });

  it('unloads and loads again at run time: unknown command meanwhile, Load/Unload/Reload events', async () => {
    const pbx = await startPbx();
    const ami = await admin(pbx);
    const unloaded = ami.waitEvent('Unload');
    expect(pbx.modules.unload('res_rtp_offload.so')).toBe(true);
    const u = await unloaded;
    expect([u.get('Privilege'), u.get('Module'), u.get('Status')]).toEqual([
      'system,all',
      'res_rtp_offload.so',
      'Success',
    ]);
    const refused = await ami.action('RtpOffloadList');
    expect([refused.get('Response'), refused.get('Message')]).toEqual([
      'Error',
      'Invalid/unknown command: RtpOffloadList. Use Action: ListCommands to show available commands.',
    ]);
    expect((await ami.action('ListCommands')).get('RtpOffloadList')).toBeUndefined();
    const loaded = ami.waitEvent('Load');
    expect(pbx.modules.load('res_rtp_offload.so')).toBe(true);
    expect([(await loaded).get('Module'), (await loaded).get('Status')]).toEqual([
      'res_rtp_offload.so',
      'Success',
    ]);
    expect((await ami.list('RtpOffloadList')).response.get('Response')).toBe('Success');
    const reloaded = ami.waitEvent('Reload');
    pbx.modules.reload();
    expect([(await reloaded).get('Module'), (await reloaded).get('Status')]).toEqual(['All', '0']);
  });

  it('is absent unless asked for', async () => {
    const pbx = await startPbx({ rtpOffloadModule: false });
    const ami = await admin(pbx);
    expect((await ami.action('RtpOffloadList')).get('Response')).toBe('Error');
  });
});
