import { describe, expect, it } from 'vitest';
import { Auditor } from '../../../src/engine/audit.js';
import { Transitions } from '../../../src/engine/transitions.js';
import type { Logger } from '../../../src/log.js';
import { bridgeView, v4 } from '../core/fixtures.js';
import type { MemoryPort } from '../core/memory-port.js';
import type { EngineContext } from '../../../src/engine/context.js';
import { makeContext, OFFLOAD_B, twoParty } from './context.js';

function warnings(): { log: Logger; lines: { msg: string; fields: Record<string, unknown> | undefined }[] } {
  const lines: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg, fields) => void lines.push({ msg, fields }),
    error: () => undefined,
    child: () => log,
  };
  return { log, lines };
}

async function offloaded() {
  const m = makeContext({ auditIntervalMs: 1000 });
  const w = warnings();
  const ctx: EngineContext = { ...m.ctx, log: w.log };
  twoParty(ctx.model, 0);
  const transitions = new Transitions(ctx, m.port);
  await transitions.enact('B', OFFLOAD_B, bridgeView({ id: 'B' }), m.clock.now());
  return { ...m, ctx, transitions, lines: w.lines, auditor: new Auditor(ctx, m.port) };
}

/** Adds packets to the forwarding flow from one channel's remote and reads the counters back. */
async function forward(
  port: MemoryPort,
  ctx: EngineContext,
  channelId: string,
  packets: number,
): Promise<void> {
  for (const v of port.table.values()) {
    if (v.spec.owner.role === 'rtp-forward' && v.spec.owner.channelId === channelId) v.packets += packets;
  }
  await ctx.reconciler.refresh();
}

/** Both directions count for two audits, then bob's flow stops. */
async function bobStops(m: Awaited<ReturnType<typeof offloaded>>): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await forward(m.port, m.ctx, '1.1', 25);
    await forward(m.port, m.ctx, '1.2', 25);
    await m.auditor.audit();
    m.clock.advance(1000);
  }
  await forward(m.port, m.ctx, '1.1', 25);
}

describe('dead directions', () => {
  it('reports a flow that stopped while its phone’s RTCP comes from another port: once, with the reason', async () => {
    const m = await offloaded();
    await bobStops(m);
    m.auditor.deadDirections.noteRtcp('1.2', v4('198.51.100.11', 6001), m.clock.now());
    await m.auditor.audit();
    await m.auditor.audit();
    expect(m.lines).toHaveLength(1);
    expect(m.lines[0]!.fields).toMatchObject({
      bridgeId: 'B',
      from: '198.51.100.11:5000',
      to: '198.51.100.11:6001',
    });
    expect(m.ctx.counters.deadDirections).toBe(1);
    // The leg is read again, in case Asterisk follows the new source.
    expect(m.ctx.model.channels.get('1.2')!.legStale).toBe(true);
    // The next look at the bridge keeps it offloaded, with the reason.
    await m.transitions.enact('B', OFFLOAD_B, bridgeView({ id: 'B' }), m.clock.now());
    expect(m.ctx.tracked.get('B')).toMatchObject({ state: 'offloaded', reason: 'direction-dead' });
  });

  it('does not report silence: the stopped flow’s RTCP still comes from its own port', async () => {
    const m = await offloaded();
    await bobStops(m);
    m.auditor.deadDirections.noteRtcp('1.2', v4('198.51.100.11', 5001), m.clock.now());
    await m.auditor.audit();
    await m.auditor.audit();
    expect(m.lines).toEqual([]);
    expect(m.ctx.tracked.get('B')!.deadDirection).toBeNull();
  });

  it('does not report a phone whose RTCP always came from another port (a NAT) when it goes silent', async () => {
    const m = await offloaded();
    m.auditor.deadDirections.noteRtcp('1.2', v4('198.51.100.11', 7777), m.clock.now());
    m.clock.advance(5000);
    await bobStops(m);
    m.auditor.deadDirections.noteRtcp('1.2', v4('198.51.100.11', 7777), m.clock.now());
    await m.auditor.audit();
    m.clock.advance(1000);
    await m.auditor.audit();
    expect(m.lines).toEqual([]);
  });

  it('does not report a new RTCP port while the flow still counts', async () => {
    const m = await offloaded();
    m.auditor.deadDirections.noteRtcp('1.2', v4('198.51.100.11', 6001), m.clock.now());
    for (let i = 0; i < 3; i++) {
      await forward(m.port, m.ctx, '1.2', 25);
      await m.auditor.audit();
    }
    expect(m.lines).toEqual([]);
  });

  it('clears the report when the direction counts again', async () => {
    const m = await offloaded();
    await bobStops(m);
    m.auditor.deadDirections.noteRtcp('1.2', v4('198.51.100.11', 6001), m.clock.now());
    await m.auditor.audit();
    expect(m.ctx.tracked.get('B')!.deadDirection).not.toBeNull();
    await forward(m.port, m.ctx, '1.2', 25);
    await m.auditor.audit();
    expect(m.ctx.tracked.get('B')!.deadDirection).toBeNull();
  });
});
