import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiSource } from '../../src/asterisk/index.js';
import { SimulatedPbx } from '../../src/lab/pbx/index.js';
import type { PbxEvent } from '../../src/model/pbx.js';
import { collectingLogger, until } from '../unit/asterisk/helpers/logger.js';

/** chan_sip on an Asterisk 20 simulated PBX (banner 9.0.0): names, legs, facts. */

const USER = { username: 'agent', secret: 'sip-pw', read: 'system,call,dialplan,reporting', write: 'all' };

let pbx: SimulatedPbx;
let source: AmiSource;
const events: PbxEvent[] = [];
const log = collectingLogger();

beforeAll(async () => {
  pbx = await SimulatedPbx.start({
    version: 20,
    driver: 'sip',
    ami: { host: '127.0.0.1', port: 0, users: [USER] },
    endpoints: { alice: { extension: '2001' }, bob: { extension: '2002' } },
  });
  source = new AmiSource({
    port: pbx.amiAddress().port,
    username: USER.username,
    secret: USER.secret,
    logger: log,
  });
  source.onEvent((e) => events.push(e));
  await source.start();
});

afterAll(async () => {
  await source?.stop();
  await pbx?.stop();
});

describe('AmiSource with chan_sip (Asterisk 20)', () => {
  it('reads SIP/ channels, their rtpsource/rtpdest legs, and has no endpoint facts', async () => {
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: 41000 } },
      callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: 41002 } },
    });
    await until(() => events.filter((e) => e.kind === 'channel-entered').length === 2);
    // As in Asterisk, the answering callee enters the bridge first: look for the caller's.
    const entered = events.find((e) => e.kind === 'channel-entered' && e.channel.endpoint === 'alice');
    expect(entered?.kind === 'channel-entered' && entered.channel).toMatchObject({
      driver: 'sip',
      endpoint: 'alice',
      name: call.caller.channel,
    });
    const [snapshot] = await source.listBridges();
    const channel = snapshot?.channels.find((c) => c.id === call.caller.uniqueid);
    expect(channel?.driver).toBe('sip');
    const leg = await source.readLeg(channel!);
    expect(leg.local).toEqual({ address: '127.0.0.1', port: call.caller.localRtpPort, family: 4 });
    expect(leg.remote?.address).toBe('127.0.0.1');
    expect(leg).toMatchObject({ secure: false, hold: false, codec: 'ulaw' });
    expect(await source.endpointFacts(channel!)).toBeNull();
    call.hangup();
  });
});
