import { describe, expect, it } from 'vitest';
import { AriSource } from '../../../../src/asterisk/ari/source.js';
import { variableReply } from '../../../../src/asterisk/ari/variable-values.js';
import { endpointFactsFromConfigTuples } from '../../../../src/asterisk/ari/endpoint-facts.js';
import type { ChannelInfo } from '../../../../src/model/pbx.js';
import { ariHttpExchanges, type HttpExchange } from './fixtures.js';

function body(x: HttpExchange): unknown {
  return x.body === '' ? undefined : (JSON.parse(x.body) as unknown);
}

/** A fetch answering from a table of `METHOD path?query` → [status, reason, body text]. */
function fakeFetch(table: Map<string, [number, string, string]>, seen: string[] = []): typeof fetch {
  return (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const key = `${init?.method ?? 'GET'} ${url.pathname}${url.search}`;
    seen.push(key);
    const hit = table.get(key) ?? [404, 'Not Found', '{"message":"Resource not found"}'];
    return Promise.resolve(new Response(hit[2], { status: hit[0], statusText: hit[1] }));
  };
}

/** The recorded REST exchanges of a scenario as a fake fetch table (URL decoded as fetch sends it). */
function recordedTable(scenario: string): Map<string, [number, string, string]> {
  const t = new Map<string, [number, string, string]>();
  for (const x of ariHttpExchanges(scenario)) {
    t.set(`${x.method} ${x.target}`, [x.status, x.reason, x.body]);
  }
  return t;
}

function source(table: Map<string, [number, string, string]>, seen: string[] = []): AriSource {
  return new AriSource({
    username: 'u',
    password: 'p',
    url: 'http://127.0.0.1:1',
    fetch: fakeFetch(table, seen),
    now: () => 1000,
  });
}

const alice: ChannelInfo = {
  id: '1795344220.0',
  name: 'PJSIP/alice-00000000',
  driver: 'pjsip',
  endpoint: 'alice',
  state: 6,
  context: 'internal',
  exten: '2002',
  linkedId: '',
};

describe('variable replies of GET /channels/{id}/variable', () => {
  it('reads the recorded 200 {"value": …} replies', () => {
    const reads = ariHttpExchanges('basic-call').filter((x) => x.target.includes('/variable?'));
    expect(reads.map((x) => variableReply(x.status, body(x)))).toEqual([
      { kind: 'value', value: '198.51.100.10:20000' },
      { kind: 'value', value: '198.51.100.11:20000' },
    ]);
  });

  it('takes the recorded 404 "Channel Not Found" as the channel being gone', () => {
    const x = ariHttpExchanges('ami-session').find((e) => e.target.includes('/variable?'));
    expect(x?.status).toBe(404);
    expect(variableReply(x?.status ?? 0, body(x!))).toEqual({
      kind: 'gone',
      message: 'Provided channel was not found',
    });
  });

  it('takes 500 (function failed) and a missing plain variable as unreadable, never as a value', () => {
    expect(variableReply(500, { message: 'Unable to read provided function' })).toEqual({
      kind: 'failed',
      why: 'Unable to read provided function',
    });
    expect(variableReply(404, { message: 'Provided variable was not found' }).kind).toBe('failed');
    expect(variableReply(200, { val: 1 }).kind).toBe('failed');
  });
});

describe('AriSource REST answers', () => {
  it('lists the recorded bridge with its members from GET /bridges + GET /channels', async () => {
    const table = recordedTable('basic-call');
    const list = ariHttpExchanges('basic-call').find((x) => x.target === '/ari/bridges');
    const ids = (JSON.parse(list!.body) as [{ channels: string[] }])[0].channels;
    table.set('GET /ari/channels', [
      200,
      'OK',
      JSON.stringify(
        ids.map((id, i) => ({
          id,
          name: i === 0 ? 'PJSIP/alice-00000000' : 'PJSIP/bob-00000001',
          state: 'Up',
          dialplan: { context: 'internal', exten: '' },
        })),
      ),
    ]);
    const snapshots = await source(table).listBridges();
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({ technology: 'native_rtp', bridgeClass: 'basic' });
    expect(snapshots[0]?.channels.map((c) => c.endpoint)).toEqual(['alice', 'bob']);
  });

  it('asks GET /bridges/{id} for a few bridges and leaves out a 404 (the recorded "Bridge not found")', async () => {
    const seen: string[] = [];
    const table = recordedTable('hold-unhold');
    const live = ariHttpExchanges('hold-unhold').find((x) => x.target.startsWith('/ari/bridges/'))!;
    const liveId = live.target.split('/').pop()!;
    const gone = ariHttpExchanges('ami-session').find(
      (x) => x.status === 404 && x.target.startsWith('/ari/bridges/'),
    )!;
    table.set(`GET ${gone.target}`, [gone.status, gone.reason, gone.body]);
    const goneId = gone.target.split('/').pop()!;
    const techs = await source(table, seen).bridgeTechnologies([liveId, goneId]);
    expect([...techs]).toEqual([[liveId, 'native_rtp']]);
    expect(seen).toEqual([`GET /ari/bridges/${liveId}`, `GET /ari/bridges/${goneId}`]);
  });

  it('asks one GET /bridges when many bridges are wanted', async () => {
    const seen: string[] = [];
    const table = recordedTable('basic-call');
    const ids = ['a', 'b', 'c', 'd', 'e', 'a6f56b80-5919-44e9-b25a-4aa287366c33'];
    const techs = await source(table, seen).bridgeTechnologies(ids);
    expect(seen).toEqual(['GET /ari/bridges']);
    expect([...techs]).toEqual([['a6f56b80-5919-44e9-b25a-4aa287366c33', 'native_rtp']]);
  });

  it('reads a leg with the AMI reader rule: src once, direct/secure skipped when the endpoint rules them out', async () => {
    const seen: string[] = [];
    const v = (name: string, value: string): [string, [number, string, string]] => [
      `GET /ari/channels/${alice.id}/variable?variable=${encodeURIComponent(name)}`,
      [200, 'OK', JSON.stringify({ value })],
    ];
    const table = new Map([
      v('CHANNEL(rtp,src)', '198.51.100.1:10000'),
      v('CHANNEL(rtp,dest)', '198.51.100.10:20000'),
      v('CHANNEL(rtp,hold)', '0'),
      v('CHANNEL(audionativeformat)', '(ulaw)'),
    ]);
    table.set(`GET /ari/asterisk/config/dynamic/res_pjsip/endpoint/alice`, [
      200,
      'OK',
      JSON.stringify(
        Object.entries({
          rtp_timeout: '0',
          rtp_timeout_hold: '0',
          rtp_keepalive: '0',
          ice_support: 'false',
          rtcp_mux: 'false',
          direct_media: 'false',
          media_encryption: 'no',
          tos_audio: '0',
          dtmf_mode: 'rfc4733',
        }).map(([attribute, value]) => ({ attribute, value })),
      ),
    ]);
    const s = source(table, seen);
    const leg = await s.readLeg(alice);
    expect(leg).toMatchObject({
      local: { address: '198.51.100.1', port: 10000, family: 4 },
      remote: { address: '198.51.100.10', port: 20000, family: 4 },
      direct: false,
      secure: false,
      hold: false,
      codec: 'ulaw',
    });
    seen.length = 0;
    await s.readLeg(alice);
    expect(seen.map((k) => decodeURIComponent(k.split('variable=')[1] ?? '')).sort()).toEqual([
      'CHANNEL(audionativeformat)',
      'CHANNEL(rtp,dest)',
      'CHANNEL(rtp,hold)',
    ]);
  });

  it('sends the variable read exactly as recorded (`variable=CHANNEL(rtp%2Cdest)`) and gets its value', async () => {
    const seen: string[] = [];
    const table = recordedTable('basic-call');
    const { readChannelVariable } = await import('../../../../src/asterisk/ari/variable-values.js');
    const { AriHttp } = await import('../../../../src/asterisk/ari/http.js');
    const h = new AriHttp({
      url: 'http://127.0.0.1:1',
      username: 'u',
      password: 'p',
      timeoutMs: 1000,
      queue: { concurrency: 1, intervalCap: 10, intervalMs: 1000 },
      fetch: fakeFetch(table, seen),
    });
    await expect(readChannelVariable(h, alice.id, 'CHANNEL(rtp,dest)')).resolves.toBe('198.51.100.10:20000');
    expect(seen).toEqual([`GET /ari/channels/${alice.id}/variable?variable=CHANNEL(rtp%2Cdest)`]);
  });

  it('takes a 500 as the unsafe value and a 404 as the channel gone', async () => {
    const table = new Map<string, [number, string, string]>();
    const fail: [number, string, string] = [
      500,
      'Error With Function',
      '{"message":"Unable to read provided function"}',
    ];
    for (const name of ['src', 'dest', 'direct', 'secure', 'hold']) {
      table.set(
        `GET /ari/channels/${alice.id}/variable?variable=${encodeURIComponent(`CHANNEL(rtp,${name})`)}`,
        fail,
      );
    }
    table.set(
      `GET /ari/channels/${alice.id}/variable?variable=${encodeURIComponent('CHANNEL(audionativeformat)')}`,
      fail,
    );
    const leg = await source(table).readLeg(alice);
    expect(leg).toMatchObject({
      local: null,
      remote: null,
      direct: true,
      secure: true,
      hold: true,
      codec: null,
    });
    const gone = source(new Map()).readLeg({ ...alice, endpoint: null });
    await expect(gone).rejects.toMatchObject({ code: 'ARI_NOT_FOUND' });
  });

  it('rejects with typed errors: 401 ARI_AUTH_FAILED, refused connection ARI_UNREACHABLE, stopped ARI_DISCONNECTED', async () => {
    const x = ariHttpExchanges('ami-session').find((e) => e.status === 401)!;
    const table = new Map([['GET /ari/bridges', [x.status, x.reason, x.body] as [number, string, string]]]);
    await expect(source(table).bridgeTechnologies(['a', 'b', 'c', 'd', 'e'])).rejects.toMatchObject({
      code: 'ARI_AUTH_FAILED',
      status: 401,
      ariMessage: 'Authentication required',
    });
    const refused = new AriSource({
      username: 'u',
      password: 'p',
      url: 'http://127.0.0.1:1',
      requestTimeoutMs: 2000,
    });
    await expect(refused.listBridges()).rejects.toMatchObject({ code: 'ARI_UNREACHABLE' });
    await refused.stop();
    await expect(refused.listBridges()).rejects.toMatchObject({ code: 'ARI_DISCONNECTED' });
  });

  it('keeps the password out of enumerable properties and serialisations', () => {
    const s = source(new Map());
    expect(JSON.stringify(s)).not.toContain('"p"');
  });
});

describe('endpoint facts from the sorcery object', () => {
  it('reads option names as pjsip.conf spells them, tos_audio as DSCP', () => {
    const tuples = Object.entries({
      rtp_timeout: '6',
      rtp_timeout_hold: '20',
      rtp_keepalive: '0',
      ice_support: 'false',
      rtcp_mux: 'true',
      direct_media: 'false',
      media_encryption: 'sdes',
      tos_audio: '184',
      dtmf_mode: 'rfc4733',
    }).map(([attribute, value]) => ({ attribute, value }));
    expect(endpointFactsFromConfigTuples('dave', tuples)).toEqual({
      kind: 'facts',
      facts: {
        endpoint: 'dave',
        rtpTimeout: 6,
        rtpTimeoutHold: 20,
        rtpKeepalive: 0,
        iceSupport: false,
        rtcpMux: true,
        directMedia: false,
        mediaEncryption: 'sdes',
        tosAudioDscp: 46,
        dtmfMode: 'rfc4733',
      },
    });
    expect(endpointFactsFromConfigTuples('x', [{ attribute: 'rtp_timeout', value: 'soon' }])).toMatchObject({
      kind: 'malformed',
    });
  });
});
