import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MultipartAssembler,
  OFPMP_FLOW,
  OFPMPF_REPLY_MORE,
  OFPP_IN_PORT,
  OFPP_LOCAL,
  OFPP_NORMAL,
  OFPRR_DELETE,
  OFPRR_IDLE_TIMEOUT,
  decodeFlowMod,
  decodeHello,
  decodeMessage,
  encodeMessage,
  findField,
  negotiateVersion,
  readFlowStatsBody,
  readMultipart,
  type OfpMessage,
} from '../../../src/openflow/codec/index.js';
import { OpenFlowError } from '../../../src/openflow/errors.js';
import { hasOfctl, ofpPrint } from './hex.js';

/** Messages captured from OVS 3.1 by test/fixtures/openflow/capture.ts, one hex line each. */
function fixture(name: string): Buffer[] {
  const path = fileURLToPath(new URL(`../../fixtures/openflow/${name}.hex`, import.meta.url));
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => Buffer.from(l, 'hex'));
}

function decoded<T extends OfpMessage['type']>(buf: Buffer, type: T): Extract<OfpMessage, { type: T }> {
  const m = decodeMessage(buf);
  if (m.type !== type) throw new Error(`expected ${type}, got ${m.type}`);
  return m as Extract<OfpMessage, { type: T }>;
}

const NAMES = [
  'handshake',
  'port-desc',
  'echo',
  'flow-stats-multipart',
  'flow-stats-all',
  'aggregate',
  'flow-removed-delete',
  'errors',
  'bundle-commit',
  'bundle-commit-failed',
  'flow-removed-idle',
  'port-status',
];

const TAG = 0x7e57000000000000n;
/** The capture ran on a testbed with these documentation addresses. */
const PBX_V4 = '198.51.100.1';
const FAR_V4 = ['198.51.100.10', '198.51.100.11', '198.51.100.12', '198.51.100.13'];

describe('replies captured from OVS 3.1', () => {
  it.each(NAMES)('%s: every message decodes and re-encodes to the very same bytes', (name) => {
    for (const raw of fixture(name)) {
      const m = decodeMessage(raw);
      if (m.type === 'PACKET_IN') throw new Error('no PACKET_IN expected');
      expect(encodeMessage(m).toString('hex')).toBe(raw.toString('hex'));
    }
  });

  it('handshake: OVS greets with a bare 1.5 HELLO, which negotiates 1.3; features and config as documented', () => {
    const [hello, features, config, barrier] = fixture('handshake');
    const h = decodeHello(hello!);
    expect(h).toMatchObject({ version: 6 });
    expect(h.versions).toBeUndefined();
    expect(negotiateVersion([4], h)).toBe(4);
    const f = decoded(features!, 'FEATURES_REPLY');
    expect(f).toMatchObject({ nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f });
    // The datapath id is the bridge MAC in its low 48 bits.
    expect(f.datapathId >> 48n).toBe(0n);
    expect(decoded(config!, 'GET_CONFIG_REPLY')).toMatchObject({ flags: 0, missSendLen: 0 });
    expect(decoded(barrier!, 'BARRIER_REPLY').xid).toBeGreaterThan(f.xid);
  });

  it('port-desc: the uplink as port 1 and breth0 as LOCAL, whose MAC is the datapath id', () => {
    const [reply] = fixture('port-desc');
    const { ports, flags } = decoded(reply!, 'PORT_DESC_REPLY');
    expect(flags).toBe(0);
    const uplink = ports.find((p) => p.portNo === 1)!;
    const local = ports.find((p) => p.portNo === OFPP_LOCAL)!;
    expect(uplink.name).toMatch(/^rtpo[a-z0-9]+up$/);
    expect(uplink.state & 4).toBe(4); // LIVE
    expect(local.name).toBe('breth0');
    const dpid = decoded(fixture('handshake')[1]!, 'FEATURES_REPLY').datapathId;
    expect(local.hwAddr.replaceAll(':', '')).toBe(dpid.toString(16).padStart(12, '0'));
  });

  it('echo: the reply copies the payload', () => {
    expect(decoded(fixture('echo')[0]!, 'ECHO_REPLY').data).toEqual(Buffer.alloc(8));
  });

  describe('flow-stats-multipart: 600 rewrite flows in three parts', () => {
    const parts = fixture('flow-stats-multipart');

    it('flags MORE on every part but the last, all with the request xid', () => {
      const headers = parts.map(readMultipart);
      expect(headers.map((p) => p.flags & OFPMPF_REPLY_MORE)).toEqual([1, 1, 0]);
      expect(new Set(headers.map((p) => p.xid)).size).toBe(1);
      expect(Math.max(...parts.map((p) => p.length))).toBeLessThanOrEqual(65535);
    });

    it('reassembles into the 600 flows as installed, with the match in the order OVS writes it', () => {
      const asm = new MultipartAssembler(readMultipart(parts[0]!).xid, OFPMP_FLOW);
      let body: Buffer | undefined;
      for (const p of parts) body = asm.add(readMultipart(p));
      const entries = readFlowStatsBody(body!).sort((a, b) => Number(a.cookie - b.cookie));
      expect(entries).toHaveLength(600);
      const localMac = decoded(fixture('port-desc')[0]!, 'PORT_DESC_REPLY').ports.find(
        (p) => p.portNo === OFPP_LOCAL,
      )!.hwAddr;
      entries.forEach((e, i) => {
        expect(e).toMatchObject({
          cookie: TAG | BigInt(i + 1),
          priority: 1000,
          idleTimeout: 300,
          flags: 1,
          tableId: 0,
        });
        // OVS puts IP_PROTO after the addresses; the prerequisites still come first.
        expect(e.match.map((f) => f.type)).toEqual([
          'IN_PORT',
          'ETH_TYPE',
          'IPV4_SRC',
          'IPV4_DST',
          'IP_PROTO',
          'UDP_SRC',
          'UDP_DST',
        ]);
        expect(findField(e.match, 'IPV4_SRC')?.value).toBe(FAR_V4[i % 4]);
        expect(findField(e.match, 'IPV4_DST')?.value).toBe(PBX_V4);
        expect(findField(e.match, 'UDP_SRC')?.value).toBe(4000 + 2 * Math.floor(i / 4));
        expect(findField(e.match, 'UDP_DST')?.value).toBe(10_000 + 2 * i);
        const [apply] = e.instructions;
        if (apply?.type !== 'APPLY_ACTIONS') throw new Error('expected APPLY_ACTIONS');
        expect(apply.actions.at(0)).toEqual({
          type: 'SET_FIELD',
          field: { type: 'ETH_SRC', value: localMac },
        });
        expect(apply.actions.slice(2)).toEqual([
          { type: 'SET_FIELD', field: { type: 'IPV4_SRC', value: PBX_V4 } },
          { type: 'SET_FIELD', field: { type: 'IPV4_DST', value: FAR_V4[(i + 1) % 4] } },
          { type: 'SET_FIELD', field: { type: 'UDP_SRC', value: 40_000 + 2 * i } },
          { type: 'SET_FIELD', field: { type: 'UDP_DST', value: 5000 + 2 * i } },
          { type: 'SET_FIELD', field: { type: 'IP_DSCP', value: 46 } },
          { type: 'SET_NW_TTL', ttl: 64 },
          { type: 'OUTPUT', port: OFPP_IN_PORT, maxLen: 0 },
        ]);
      });
    });

    it.skipIf(!hasOfctl)('lists as many flows per part as ovs-ofctl ofp-print finds', () => {
      for (const p of parts) {
        const ours = decoded(p, 'FLOW_STATS_REPLY').entries.length;
        const theirs = ofpPrint(p)
          .split('\n')
          .filter((l) => l.includes('n_packets=')).length;
        expect(ours).toBe(theirs);
      }
    });
  });

  it('flow-stats-all: the default NORMAL flow, priority 0, cookie 0, empty match', () => {
    const { entries } = decoded(fixture('flow-stats-all')[0]!, 'FLOW_STATS_REPLY');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ priority: 0, cookie: 0n, match: [] });
    expect(entries[0]!.instructions).toEqual([
      { type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_NORMAL, maxLen: 0 }] },
    ]);
  });

  it('aggregate: three flows under the test cookie', () => {
    expect(decoded(fixture('aggregate')[0]!, 'AGGREGATE_STATS_REPLY').stats).toEqual({
      packetCount: 0n,
      byteCount: 0n,
      flowCount: 3,
    });
  });

  it('flow-removed-delete: one FLOW_REMOVED per deleted flow, reason DELETE, xid 0', () => {
    const removed = fixture('flow-removed-delete').map((b) => decoded(b, 'FLOW_REMOVED'));
    expect(removed.map((r) => [r.xid, r.reason, r.cookie])).toEqual([
      [0, OFPRR_DELETE, TAG | 1n],
      [0, OFPRR_DELETE, TAG | 2n],
      [0, OFPRR_DELETE, TAG | 3n],
    ]);
  });

  it('errors: each refusal names its type and code and echoes the refused FLOW_MOD with the same xid', () => {
    const msgs = fixture('errors');
    const errors = msgs.filter((_, i) => i % 2 === 0).map((b) => decoded(b, 'ERROR'));
    const barriers = msgs.filter((_, i) => i % 2 === 1).map((b) => decoded(b, 'BARRIER_REPLY'));
    expect(
      errors.map((e) => {
        const err = new OpenFlowError(e);
        return `${err.typeName}/${err.codeName}`;
      }),
    ).toEqual([
      'BAD_MATCH/BAD_PREREQ',
      'FLOW_MOD_FAILED/BAD_TABLE_ID',
      'BAD_ACTION/MATCH_INCONSISTENT',
      'EXPERIMENTER/BAD_SET_MASK',
    ]);
    expect(errors[3]).toMatchObject({ errorType: 0xffff, errorCode: 4250, experimenter: 0x4f4e4600 });
    errors.forEach((e, i) => {
      expect(e.data.readUInt32BE(4)).toBe(e.xid);
      expect(e.data[1]).toBe(14);
      // Each error precedes the barrier that followed its request.
      expect(barriers[i]!.xid).toBe(e.xid + 1);
    });
    // The echoed request of an error that is not about the match still decodes.
    expect(decodeFlowMod(errors[1]!.data).tableId).toBe(255);
  });

  it('bundle-commit: OPEN_REPLY, the barrier, COMMIT_REPLY (OVS replies with flags 0)', () => {
    const [open, barrier, commit] = fixture('bundle-commit');
    expect(decoded(open!, 'BUNDLE_CONTROL')).toMatchObject({ bundleType: 1, flags: 0 });
    decoded(barrier!, 'BARRIER_REPLY');
    expect(decoded(commit!, 'BUNDLE_CONTROL')).toMatchObject({ bundleType: 5 });
  });

  it('bundle-commit-failed: OVERLAP for the failing add, then MSG_FAILED for the commit', () => {
    const [open, barrier, overlap, failed] = fixture('bundle-commit-failed');
    const opened = decoded(open!, 'BUNDLE_CONTROL');
    const b = decoded(barrier!, 'BARRIER_REPLY');
    const o = decoded(overlap!, 'ERROR');
    const f = decoded(failed!, 'ERROR');
    expect(new OpenFlowError(o)).toMatchObject({ typeName: 'FLOW_MOD_FAILED', codeName: 'OVERLAP' });
    expect(new OpenFlowError(f)).toMatchObject({ typeName: 'EXPERIMENTER', codeName: 'MSG_FAILED' });
    // xids: open, add, add, barrier, commit.
    expect(o.xid).toBe(opened.xid + 2);
    expect(b.xid).toBe(opened.xid + 3);
    expect(f.xid).toBe(opened.xid + 4);
    expect(decodeMessage(o.data)).toMatchObject({ type: 'BUNDLE_ADD_MESSAGE', xid: o.xid });
    expect(decodeMessage(f.data)).toMatchObject({ type: 'BUNDLE_CONTROL', bundleType: 4, xid: f.xid });
  });

  it('flow-removed-idle: reason IDLE_TIMEOUT with the final counters of 5 datagrams', () => {
    const r = decoded(fixture('flow-removed-idle')[0]!, 'FLOW_REMOVED');
    expect(r).toMatchObject({
      reason: OFPRR_IDLE_TIMEOUT,
      idleTimeout: 1,
      packetCount: 5n,
      cookie: TAG | 0x1d1en,
    });
    // 160 bytes of payload + UDP 8 + IPv4 20 + Ethernet 14, no FCS.
    expect(r.byteCount).toBe(5n * 202n);
  });

  it('port-status: the uplink going down and up again, as MODIFY messages', () => {
    const states = fixture('port-status').map((b) => decoded(b, 'PORT_STATUS'));
    expect(states.every((s) => s.reason === 2 && s.port.portNo === 1 && s.xid === 0)).toBe(true);
    expect(states.map((s) => [s.port.config, s.port.state])).toEqual([
      [0, 0],
      [1, 1],
      [0, 4],
    ]);
  });
});
