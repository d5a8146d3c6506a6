/**
 * `node dist/bench/model-scale.js [--json]`: the CallModel's cost per event with 100 and with
 * 10,000 two-party calls up, and in one bridge of 100 and of 10,000 members (what hostile
 * input builds). Ratios are what count (same run, same machine); each should stay near 1.
 */

import { CallModel } from '../src/model/call-model.js';
import type { ChannelInfo, PbxEvent } from '../src/model/pbx.js';

const info = (id: string): ChannelInfo => ({
  id,
  name: `PJSIP/p-${id}`,
  driver: 'pjsip',
  endpoint: 'p',
  state: 6,
  context: 'default',
  exten: '100',
  linkedId: id,
});

const enter = (bridgeId: string, id: string): PbxEvent => ({
  kind: 'channel-entered',
  bridgeId,
  channel: info(id),
  technology: 'simple_bridge',
  memberCount: 0,
  swapChannelId: null,
});

/** `calls` bridges of two, or one bridge of `calls` members. */
function grown(calls: number, oneBridge: boolean): CallModel {
  const m = new CallModel();
  let now = 0;
  for (let i = 0; i < calls; i++) {
    const bridge = oneBridge ? 'big' : `b${i}`;
    m.apply(enter(bridge, `a${i}`), ++now);
    if (!oneBridge) m.apply(enter(bridge, `z${i}`), ++now);
  }
  return m;
}

/** One round of what a call does: join, hold, RTCP, merge, leave, hang up. */
function round(m: CallModel, r: number, target: string, now: number): number {
  const x = `x${r}`;
  const y = `y${r}`;
  const events: PbxEvent[] = [
    enter(`n${r}`, x),
    enter(`n${r}`, y),
    { kind: 'channel-hold', channelId: x },
    { kind: 'channel-unhold', channelId: x },
    { kind: 'rtcp-received', channelId: x, from: null, reports: [] },
    { kind: 'bridge-merged', toBridgeId: target, fromBridgeId: `n${r}` },
    { kind: 'channel-left', bridgeId: target, channel: info(x), memberCount: 0 },
    { kind: 'hangup', channelId: x, cause: 16, causeText: 'Normal' },
    { kind: 'hangup', channelId: y, cause: 16, causeText: 'Normal' },
  ];
  for (const e of events) m.apply(e, ++now);
  return events.length;
}

function nsPerEvent(calls: number, oneBridge: boolean): number {
  const m = grown(calls, oneBridge);
  const target = oneBridge ? 'big' : 'b0';
  let events = 0;
  for (let r = 0; r < 2000; r++) events += round(m, r, target, 1e9 + r * 100); // warm-up
  const t0 = process.hrtime.bigint();
  for (let r = 2000; r < 22_000; r++) events += round(m, r, target, 1e9 + r * 100);
  const ns = Number(process.hrtime.bigint() - t0);
  return ns / (events - 2000 * 9);
}

const small = nsPerEvent(100, false);
const large = nsPerEvent(10_000, false);
const smallBridge = nsPerEvent(100, true);
const largeBridge = nsPerEvent(10_000, true);
const result = {
  ns_per_event_100_calls: Math.round(small),
  ns_per_event_10000_calls: Math.round(large),
  calls_ratio: Math.round((large / small) * 100) / 100,
  ns_per_event_bridge_of_100: Math.round(smallBridge),
  ns_per_event_bridge_of_10000: Math.round(largeBridge),
  bridge_size_ratio: Math.round((largeBridge / smallBridge) * 100) / 100,
};
if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ model: result }) + '\n');
else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k}: ${v}\n`);
