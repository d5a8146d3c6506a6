/**
 * Flow mods in bulk: pipelined with one barrier per batch, or inside an ONF bundle. OVS sends
 * no success replies for flow mods, only an ERROR carrying the failing mod's xid, always
 * before the barrier's reply: mods not refused by then were applied.
 */

import {
  OFP_HEADER_LEN,
  OFPBCT_COMMIT_REPLY,
  OFPBCT_COMMIT_REQUEST,
  OFPBCT_DISCARD_REQUEST,
  OFPBCT_OPEN_REPLY,
  OFPBCT_OPEN_REQUEST,
  OFPFC_ADD,
  OFPT_BARRIER_REPLY,
  OFPT_BARRIER_REQUEST,
  bundleAddFlowModLength,
  encodeBundleControl,
  flowModLength,
  writeBundleAddFlowMod,
  writeFlowMod,
  writeHeader,
  type FlowModFields,
} from './codec/index.js';
import { expectBundleReply, expectType, failuresOf, type RequestChannel } from './channel.js';
import type { FlowModOutcome } from './connection-types.js';
import { OpenFlowBatchError, OpenFlowError } from './errors.js';

const OK: FlowModOutcome = Object.freeze({ ok: true });
const BUNDLE_CONTROL_LEN = 24;
const noop = (): void => undefined;

/** Each mod's outcome by index; `command` overrides each mod's own. */
export async function flowModOutcomes(
  ch: RequestChannel,
  mods: readonly FlowModFields[],
  command: number | undefined,
): Promise<FlowModOutcome[]> {
  const errors = await pipeline(
    ch,
    mods.length,
    (i) => flowModLength(mods[i]!),
    (buf, off, xid, i) => writeFlowMod(buf, off, xid, mods[i]!, command ?? mods[i]!.command ?? OFPFC_ADD),
    'flow mods',
  );
  const outcomes: FlowModOutcome[] = new Array<FlowModOutcome>(mods.length).fill(OK);
  for (const [index, error] of errors) outcomes[index] = { ok: false, error };
  return outcomes;
}

/**
 * Writes `count` messages and a barrier as one buffer, then waits for the barrier; returns
 * the ERRORs by message index. Everything is encoded before anything is sent, so a bad
 * argument (e.g. an invalid address) throws with nothing applied. The buffer holds the whole
 * batch (~250 bytes per rewrite flow mod): split batches of millions.
 */
async function pipeline(
  ch: RequestChannel,
  count: number,
  sizeOf: (i: number) => number,
  writeAt: (buf: Buffer, off: number, xid: number, i: number) => number,
  what: string,
): Promise<Map<number, OpenFlowError>> {
  let total = OFP_HEADER_LEN;
  for (let i = 0; i < count; i++) total += sizeOf(i);
  const buf = Buffer.allocUnsafe(total);
  const first = ch.pending.allocate(count + 1);
  let off = 0;
  for (let i = 0; i < count; i++) off = writeAt(buf, off, first + i, i);
  writeHeader(buf, off, OFPT_BARRIER_REQUEST, OFP_HEADER_LEN, first + count);
  // Before anything waits on a reply: a connection lost meanwhile fails only this wait.
  const room = ch.room();
  if (room) await room;
  const range = ch.pending.trackRange(first, count);
  try {
    const barrier = ch.pending.expect(first + count, `barrier after ${count} ${what}`, ch.timeoutMs);
    ch.send(buf);
    expectType(await barrier, OFPT_BARRIER_REPLY);
    return range.errors;
  } finally {
    ch.pending.untrackRange(range);
  }
}

/**
 * Applies the flow mods atomically through an ONF bundle (OF1.3 extension): all or none.
 * Open and adds go out pipelined with a barrier; OVS refuses a bad add at add time but keeps
 * the bundle open, so if any add was refused the bundle is discarded rather than committed.
 * A commit can still fail as a whole (e.g. OVERLAP found then): the switch reports the
 * failing add's error and MSG_FAILED, and applies nothing. Either way: OpenFlowBatchError.
 */
export async function sendBundle(
  ch: RequestChannel,
  bundleId: number,
  mods: readonly FlowModFields[],
  flags: number,
  command: number | undefined,
): Promise<void> {
  const n = mods.length;
  // xids: open, n adds, barrier; then commit or discard, allocated later.
  const openXid = ch.pending.allocate(n + 2);
  const adds = encodeBundleAdds(bundleId, openXid, mods, flags, command);
  const room = ch.room();
  if (room) await room;
  const range = ch.pending.trackRange(openXid + 1, n);
  try {
    const opened = ch.pending.expect(openXid, 'bundle open', ch.timeoutMs);
    const barrier = ch.pending.expect(openXid + n + 1, 'barrier after bundle adds', ch.timeoutMs);
    opened.catch(noop);
    barrier.catch(noop);
    ch.send(adds);
    const [openResult, barrierResult] = await Promise.allSettled([opened, barrier]);
    if (barrierResult.status === 'rejected') throw barrierResult.reason;
    const failures = failuresOf(range.errors);
    if (openResult.status === 'rejected' || failures.length > 0) {
      await bundleControl(ch, bundleId, OFPBCT_DISCARD_REQUEST, flags).catch(noop);
      if (openResult.status === 'rejected') throw openResult.reason;
      throw new OpenFlowBatchError(failures, true);
    }
    expectBundleReply(openResult.value, OFPBCT_OPEN_REPLY);
    try {
      expectBundleReply(await bundleControl(ch, bundleId, OFPBCT_COMMIT_REQUEST, flags), OFPBCT_COMMIT_REPLY);
    } catch (err) {
      if (!(err instanceof OpenFlowError)) throw err;
      throw new OpenFlowBatchError(failuresOf(range.errors), true, err);
    }
  } finally {
    ch.pending.untrackRange(range);
  }
}

/** OPEN, the adds and a barrier in one buffer, xids from `openXid` on. */
function encodeBundleAdds(
  bundleId: number,
  openXid: number,
  mods: readonly FlowModFields[],
  flags: number,
  command: number | undefined,
): Buffer {
  const n = mods.length;
  let total = BUNDLE_CONTROL_LEN + OFP_HEADER_LEN;
  for (let i = 0; i < n; i++) total += bundleAddFlowModLength(mods[i]!);
  const buf = Buffer.allocUnsafe(total);
  buf.set(
    encodeBundleControl({
      type: 'BUNDLE_CONTROL',
      xid: openXid,
      bundleId,
      bundleType: OFPBCT_OPEN_REQUEST,
      flags,
    }),
  );
  let off = BUNDLE_CONTROL_LEN;
  for (let i = 0; i < n; i++) {
    const m = mods[i]!;
    off = writeBundleAddFlowMod(
      buf,
      off,
      openXid + 1 + i,
      bundleId,
      flags,
      m,
      command ?? m.command ?? OFPFC_ADD,
    );
  }
  writeHeader(buf, off, OFPT_BARRIER_REQUEST, OFP_HEADER_LEN, openXid + n + 1);
  return buf;
}

function bundleControl(
  ch: RequestChannel,
  bundleId: number,
  bundleType: number,
  flags: number,
): Promise<Buffer> {
  const xid = ch.pending.allocate();
  const reply = ch.pending.expect(xid, 'bundle control', ch.timeoutMs);
  ch.send(encodeBundleControl({ type: 'BUNDLE_CONTROL', xid, bundleId, bundleType, flags }));
  return reply;
}
