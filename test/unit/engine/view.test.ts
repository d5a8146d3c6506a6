import { describe, expect, it } from 'vitest';
import { pinOf, resolveLocal, ViewBuilder } from '../../../src/engine/view.js';
import { v4, v6 } from '../core/fixtures.js';
import { makeContext, twoParty } from './context.js';

const none = { ipv4: null, ipv6: null };
const single = (address: string | 'ambiguous' | null) => ({ single: async () => address });

describe('resolveLocal', () => {
  it('keeps an address Asterisk bound to explicitly', async () => {
    expect(await resolveLocal(v4('192.0.2.1', 10000), none, single('198.51.100.1'))).toEqual(
      v4('192.0.2.1', 10000),
    );
  });

  it('prefers the configured address of the family over the interface', async () => {
    const configured = { ipv4: '192.0.2.9', ipv6: '2001:db8::9' };
    expect(await resolveLocal(v4('0.0.0.0', 10000), configured, single('198.51.100.1'))).toEqual(
      v4('192.0.2.9', 10000),
    );
    expect(await resolveLocal(v6('::', 10000), configured, single(null))).toEqual(v6('2001:db8::9', 10000));
  });

  it('takes the single address of the interface, and reports none or several as they are', async () => {
    expect(await resolveLocal(v4('0.0.0.0', 10000), none, single('198.51.100.1'))).toEqual(
      v4('198.51.100.1', 10000),
    );
    expect(await resolveLocal(v4('0.0.0.0', 10000), none, single('ambiguous'))).toBe('ambiguous');
    expect(await resolveLocal(v4('0.0.0.0', 10000), none, single(null))).toBeNull();
    const failing = { single: async (): Promise<string> => Promise.reject(new Error('no such device')) };
    expect(await resolveLocal(v4('0.0.0.0', 10000), none, failing)).toBeNull();
  });
});

describe('pinOf', () => {
  const { ctx } = makeContext();
  twoParty(ctx.model, 0);
  const members = ctx.model.membersOf('B');

  it('takes the bridge pin, a member revert overriding it', () => {
    expect(pinOf(new Map([['B', 'offload']]), 'B', members)).toBe('offload');
    expect(
      pinOf(
        new Map([
          ['B', 'offload'],
          ['1.2', 'revert'],
        ]),
        'B',
        members,
      ),
    ).toBe('revert');
  });

  it('lets a member offload pin stand only when the bridge has none', () => {
    expect(pinOf(new Map([['1.1', 'offload']]), 'B', members)).toBe('offload');
    expect(
      pinOf(
        new Map([
          ['B', 'revert'],
          ['1.1', 'offload'],
        ]),
        'B',
        members,
      ),
    ).toBe('revert');
    expect(pinOf(new Map(), 'B', members)).toBeNull();
  });
});

describe('ViewBuilder', () => {
  it('builds the view policy judges from the model and the I/O lookups', async () => {
    const { ctx } = makeContext();
    twoParty(ctx.model, 500);
    ctx.tracked.set('B', { backoffUntil: 9000, state: 'not-offloaded', confirmed: new Map() } as never);
    const views = new ViewBuilder(
      ctx,
      { lookup: async (a) => (a.endsWith('.10') ? '02:00:00:00:00:aa' : null) },
      single('198.51.100.1'),
    );
    const view = await views.build('B');
    expect(view).toMatchObject({
      id: 'B',
      technology: 'native_rtp',
      twoPartySince: 500,
      backoffUntil: 9000,
      offloaded: false,
    });
    expect(view!.members.map((m) => m.localResolved)).toEqual([
      v4('198.51.100.1', 10000),
      v4('198.51.100.1', 10002),
    ]);
    expect(view!.members.map((m) => m.nextHopMac)).toEqual(['02:00:00:00:00:aa', null]);
    // No probe flow installed yet: the switch has seen nothing.
    expect(view!.members.map((m) => m.probedIngressPackets)).toEqual([null, null]);
  });

  it('counts a remote the switch already saw sending as seen, without a flow', async () => {
    const { ctx } = makeContext();
    twoParty(ctx.model, 0);
    const confirmed = new Map([['1.1', '198.51.100.10:4000']]);
    ctx.tracked.set('B', { backoffUntil: null, state: 'not-offloaded', confirmed } as never);
    const view = await new ViewBuilder(ctx, { lookup: async () => null }, single('198.51.100.1')).build('B');
    expect(view!.members.map((m) => m.probedIngressPackets)).toEqual([1, null]);
  });

  it('has no view of a bridge the model does not know', async () => {
    const { ctx } = makeContext();
    expect(await new ViewBuilder(ctx, { lookup: async () => null }, single(null)).build('nope')).toBeNull();
  });
});
