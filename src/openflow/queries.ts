/** Requests with a reply: barrier, echo and the multipart statistics, each over a channel. */

import type { Clock } from './clock.js';
import {
  MultipartAssembler,
  OFPMP_AGGREGATE,
  OFPMP_FLOW,
  OFPMP_PORT_DESC,
  OFPT_BARRIER_REPLY,
  OFPT_ECHO_REPLY,
  OFPT_MULTIPART_REPLY,
  encodeAggregateStatsRequest,
  encodeEchoRequest,
  encodeFlowStatsRequest,
  encodePortDescRequest,
  readAggregateStatsBody,
  readFlowStatsBody,
  readMultipart,
  readPorts,
  type AggregateStats,
  type FlowStatsEntry,
  type FlowStatsFilter,
  type Port,
} from './codec/index.js';
import { barrierRequest, expectType, type RequestChannel } from './channel.js';

/** Resolves when the switch has processed everything sent before (1.3.5 §6.2). */
export async function barrier(ch: RequestChannel): Promise<void> {
  const xid = ch.pending.allocate();
  const reply = ch.pending.expect(xid, 'BARRIER_REQUEST', ch.timeoutMs);
  ch.send(barrierRequest(xid));
  expectType(await reply, OFPT_BARRIER_REPLY);
}

/** Round trip of an ECHO_REQUEST, in milliseconds. */
export async function echo(ch: RequestChannel, clock: Clock, data: Buffer): Promise<number> {
  const xid = ch.pending.allocate();
  const start = clock.now();
  const reply = ch.pending.expect(xid, 'ECHO_REQUEST', ch.timeoutMs);
  ch.send(encodeEchoRequest(xid, data));
  expectType(await reply, OFPT_ECHO_REPLY);
  return clock.now() - start;
}

/** FLOW stats, reassembled from all parts of the reply. */
export async function flowStats(ch: RequestChannel, filter: FlowStatsFilter): Promise<FlowStatsEntry[]> {
  const xid = ch.pending.allocate();
  return readFlowStatsBody(
    await multipart(ch, encodeFlowStatsRequest(xid, filter), xid, OFPMP_FLOW, 'FLOW stats'),
  );
}

/** Packet, byte and flow counts summed over the flows the filter selects. */
export async function aggregateStats(ch: RequestChannel, filter: FlowStatsFilter): Promise<AggregateStats> {
  const xid = ch.pending.allocate();
  const body = await multipart(
    ch,
    encodeAggregateStatsRequest(xid, filter),
    xid,
    OFPMP_AGGREGATE,
    'AGGREGATE stats',
  );
  return readAggregateStatsBody(body);
}

/** The switch's ports (OF1.3 lists them here, not in FEATURES_REPLY). */
export async function portDesc(ch: RequestChannel): Promise<Port[]> {
  const xid = ch.pending.allocate();
  return readPorts(await multipart(ch, encodePortDescRequest(xid), xid, OFPMP_PORT_DESC, 'PORT_DESC'));
}

/** Sends a multipart request and resolves with the joined bodies of every reply part. */
function multipart(
  ch: RequestChannel,
  request: Buffer,
  xid: number,
  mpType: number,
  what: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const assembler = new MultipartAssembler(xid, mpType);
    ch.pending.expectParts(
      xid,
      what,
      ch.timeoutMs,
      (message) => {
        try {
          expectType(message, OFPT_MULTIPART_REPLY);
          const body = assembler.add(readMultipart(message));
          if (body === undefined) return;
          ch.pending.finish(xid);
          resolve(body);
        } catch (err) {
          ch.pending.finish(xid);
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
      reject,
    );
    ch.send(request);
  });
}
