import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../../src/engine/lifecycle.js';
import { Transitions } from '../../../src/engine/transitions.js';
import { bridgeView } from '../core/fixtures.js';
import { makeContext, OFFLOAD_B, twoParty } from './context.js';
import { alice, bob, ScriptedSource } from './harness.js';

function lifecycle(over: Parameters<typeof makeContext>[0] = {}) {
  const m = makeContext(over);
  const source = new ScriptedSource();
  const life = new Lifecycle(m.ctx, source, m.port);
  life.listen();
  return { ...m, source, life };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Lifecycle', () => {
  it('applies events that arrive during the listing on top of it', async () => {
    const { ctx, source, evaluated } = lifecycle();
    source.bridges = [{ id: 'B', technology: 'native_rtp', bridgeClass: 'basic', channels: [alice, bob] }];
    let release = (): void => undefined;
    const listed = new Promise<void>((r) => (release = r));
    const list = source.listBridges.bind(source);
    source.listBridges = async () => {
      await listed;
      return list();
    };
    source.emit({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false });
    source.emit({ kind: 'hangup', channelId: '1.2', cause: 16, causeText: 'Normal Clearing' });
    expect(ctx.model.bridges.size).toBe(0);
    release();
    await settle();
    await ctx.scheduler.idle();
    expect(ctx.model.bridges.get('B')?.members).toEqual(['1.1']);
    expect(ctx.flags.pbxSynced).toBe(true);
    expect(evaluated).toContain('B');
  });

  it('keeps everything during the disconnect grace, then reverts every bridge', async () => {
    const { ctx, source, clock, evaluated } = lifecycle({ disconnectGraceMs: 5000 });
    twoParty(ctx.model, 0);
    source.emit({ kind: 'disconnected', source: 'ami', reason: 'ECONNRESET' });
    clock.advance(4999);
    expect(ctx.flags.pbxGone).toBe(false);
    clock.advance(1);
    await ctx.scheduler.idle();
    expect(ctx.flags.pbxGone).toBe(true);
    expect(evaluated).toEqual(['B']);
    source.emit({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false });
    expect(ctx.flags.pbxGone).toBe(false);
  });

  it('cancels the grace when Asterisk is back in time', async () => {
    const { ctx, source, clock } = lifecycle({ disconnectGraceMs: 5000 });
    source.emit({ kind: 'disconnected', source: 'ami', reason: 'ECONNRESET' });
    source.emit({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false });
    clock.advance(10_000);
    expect(ctx.flags.pbxGone).toBe(false);
  });

  it('drops every flow and call of an Asterisk that restarted', async () => {
    const { ctx, port, source } = lifecycle();
    twoParty(ctx.model, 0);
    await new Transitions(ctx, port).enact('B', OFFLOAD_B, bridgeView({ id: 'B' }), 0);
    expect(port.table.size).toBe(4);
    source.emit({ kind: 'connected', source: 'ami', startupTime: 'y', restarted: true });
    await settle();
    await settle();
    expect(port.table.size).toBe(0);
    expect(ctx.tracked.size).toBe(0);
    expect(ctx.model.bridges.size).toBe(0);
  });

  it('reads the switch once ready and deletes only flows no bridge wants, once both sides were read', async () => {
    const { ctx, port, life } = lifecycle();
    ctx.flags.mirrorLoaded = false;
    ctx.flags.pbxSynced = false;
    twoParty(ctx.model, 0);
    await new Transitions(ctx, port).enact('B', OFFLOAD_B, bridgeView({ id: 'B' }), 0);
    ctx.reconciler.setDesired('B', []);
    await life.switchReady();
    expect(ctx.flags.mirrorLoaded).toBe(true);
    expect(port.table.size).toBe(4); // Asterisk not listed yet: the flows may belong to live calls
    ctx.flags.pbxSynced = true;
    await life.fullSync();
    expect(port.table.size).toBe(0);
  });

  it('looks again at the owner of a flow the switch removed', async () => {
    const { ctx, port, evaluated } = lifecycle();
    twoParty(ctx.model, 0);
    await new Transitions(ctx, port).enact('B', OFFLOAD_B, bridgeView({ id: 'B' }), 0);
    port.expire([...port.table.keys()][0]!);
    await ctx.scheduler.idle();
    expect(evaluated).toEqual(['B']);
  });
});
