import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiConnection } from '../../src/asterisk/ami/connection.js';
import { silentLogger } from '../../src/asterisk/ami/logger.js';
import { AmiSource } from '../../src/asterisk/index.js';
import { SimulatedPbx, type SimCall } from '../../src/lab/pbx/index.js';
import { until } from '../unit/asterisk/helpers/logger.js';

/**
 * Cost of the two ways to learn bridge technologies (BridgeInfo per bridge vs one BridgeList
 * filtered to native_rtp), and of a full listing, against the simulated PBX at 1, 10, 100
 * and 1000 bridges. Bytes are the replies' sizes on the wire (estimated from the parsed
 * lines); times are wall-clock on this shared 2-core machine, PBX in the same process.
 */

const USER = {
  username: 'agent',
  secret: 'm',
  read: 'system,call,reporting',
  write: 'system,call,reporting',
};
const QUEUE = { concurrency: 8, intervalCap: 100_000, intervalMs: 1000 };

let pbx: SimulatedPbx;
let conn: AmiConnection;
let source: AmiSource;
const calls: SimCall[] = [];
let port = 30000;

interface Row {
  bridges: number;
  infoAllBytes: number;
  infoAllMs: number;
  infoOneBytes: number;
  infoOneMs: number;
  nativeListBytes: number;
  nativeListMs: number;
  fullListBytes: number;
  coreShowChannelsBytes: number;
  listBridgesMs: number;
  adaptiveOneRequests: number;
  adaptiveAllRequests: number;
  adaptiveAllMs: number;
}
const rows: Row[] = [];

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

beforeAll(async () => {
  pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: { host: '127.0.0.1', port: 0, users: [USER] },
    rtcpIntervalMs: 3_600_000, // keep RTCP events out of the figures
    endpoints: { alice: { extension: '2001' }, bob: { extension: '2002' } },
  });
  conn = new AmiConnection({
    host: '127.0.0.1',
    port: pbx.amiAddress().port,
    username: USER.username,
    secret: USER.secret,
    eventMask: 'off',
    requestTimeoutMs: 20_000,
    connectTimeoutMs: 2000,
    pingIntervalMs: 0,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 },
    queue: QUEUE,
    actionIdPrefix: 'm-',
    logger: silentLogger,
    random: Math.random,
  });
  conn.start();
  await until(() => conn.status === 'ready');
  source = new AmiSource({
    port: pbx.amiAddress().port,
    username: USER.username,
    secret: USER.secret,
    eventMask: 'call',
    requestTimeoutMs: 20_000,
    technologyMinIntervalMs: 0,
    queue: QUEUE,
  });
  await source.start();
  // The first query also checks once whether res_rtp_offload is loaded (not here): keep
  // that out of the per-query request counts below.
  await source.bridgeTechnologies(['not-a-bridge']);
}, 60_000);

afterAll(async () => {
  await source?.stop();
  await conn?.stop();
  await pbx?.stop();
  if (rows.length) {
    console.log('AMI technology query costs (simulated PBX; bytes of replies, wall ms):');
    console.table(rows);
  }
});

describe('bridge technology: BridgeInfo per bridge vs filtered BridgeList', () => {
  it.each([1, 10, 100, 1000])(
    'at %i bridges',
    async (n) => {
      while (calls.length < n) {
        calls.push(
          await pbx.placeCall({
            caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: (port += 2) } },
            callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: (port += 2) } },
          }),
        );
      }
      await until(() => pbx.calls().every((c) => c.technology === 'native_rtp'), 10_000);
      const ids = calls.map((c) => c.bridgeId);

      const [infos, infoAllMs] = await timed(() =>
        Promise.all(ids.map((id) => conn.requestList({ Action: 'BridgeInfo', BridgeUniqueid: id }))),
      );
      const [one, infoOneMs] = await timed(() =>
        conn.requestList({ Action: 'BridgeInfo', BridgeUniqueid: ids[0] ?? '' }),
      );
      const [native, nativeListMs] = await timed(() =>
        conn.requestList({ Action: 'BridgeList', BridgeType: 'native_rtp' }),
      );
      const full = await conn.requestList({ Action: 'BridgeList' });
      const chans = await conn.requestList({ Action: 'CoreShowChannels' });
      expect(native.items).toHaveLength(n);
      const [snapshots, listBridgesMs] = await timed(() => source.listBridges());
      expect(snapshots).toHaveLength(n);

      const r0 = source.stats().requests;
      await source.bridgeTechnologies([ids[n - 1] ?? '']);
      const adaptiveOneRequests = source.stats().requests - r0;
      const r1 = source.stats().requests;
      const [techs, adaptiveAllMs] = await timed(() => source.bridgeTechnologies(ids));
      const adaptiveAllRequests = source.stats().requests - r1;
      expect(techs.size).toBe(n);

      rows.push({
        bridges: n,
        infoAllBytes: infos.reduce((s, r) => s + r.bytes, 0),
        infoAllMs: Math.round(infoAllMs * 10) / 10,
        infoOneBytes: one.bytes,
        infoOneMs: Math.round(infoOneMs * 10) / 10,
        nativeListBytes: native.bytes,
        nativeListMs: Math.round(nativeListMs * 10) / 10,
        fullListBytes: full.bytes,
        coreShowChannelsBytes: chans.bytes,
        listBridgesMs: Math.round(listBridgesMs * 10) / 10,
        adaptiveOneRequests,
        adaptiveAllRequests,
        adaptiveAllMs: Math.round(adaptiveAllMs * 10) / 10,
      });
      // A single bridge is always cheapest by BridgeInfo; all of many by the list.
      expect(adaptiveOneRequests).toBe(1);
      if (n >= 10) expect(adaptiveAllRequests).toBe(1);
    },
    120_000,
  );
});
