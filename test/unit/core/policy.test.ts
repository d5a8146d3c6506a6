import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/policy/eligibility.js';
import type { BridgeView, LegView, PolicyConfig } from '../../../src/policy/view.js';
import { bridgeView, channel, facts, legView, policy, rtpLeg, v4, v6 } from './fixtures.js';

const ctx = { now: 10_000, killSwitch: false, offloadedElsewhere: 0 };
const A = bridgeView().members[0]!;
const B = bridgeView().members[1]!;

function withA(over: Partial<LegView>): BridgeView {
  return bridgeView({ members: [{ ...A, ...over }, B] });
}
function withLegA(over: Parameters<typeof rtpLeg>[3]): BridgeView {
  return withA({ leg: { ...A.leg!, ...over } });
}

const cases: [string, BridgeView, string, Partial<PolicyConfig>?, Partial<typeof ctx>?][] = [
  ['the kill switch is on', bridgeView(), 'kill-switch', {}, { killSwitch: true }],
  ['the operator pinned it off', bridgeView({ pin: 'revert' }), 'pinned-off'],
  [
    'three members are in the bridge',
    bridgeView({ members: [A, B, legView('carol', v4('198.51.100.1', 10004), v4('198.51.100.12', 6000))] }),
    'not-two-party',
  ],
  [
    'a leg is a Local channel',
    withA({ channel: channel('alice', 'Local/100@x-0001;1', { driver: 'local' }) }),
    'driver',
  ],
  ['the technology is not known yet', bridgeView({ technology: null }), 'technology-unknown'],
  [
    'Asterisk uses simple_bridge (MixMonitor, DTMF features)',
    bridgeView({ technology: 'simple_bridge' }),
    'technology',
  ],
  ['the leg is not read yet', withA({ leg: null }), 'leg-unknown'],
  ['a leg is in direct media', withLegA({ direct: true }), 'direct-media'],
  ['a leg uses SRTP', withLegA({ secure: true }), 'srtp'],
  [
    'the endpoint is configured for SRTP even if it fell back',
    withA({ facts: facts('alice', { mediaEncryption: 'sdes' }) }),
    'srtp',
  ],
  ['a leg uses ICE', withA({ facts: facts('alice', { iceSupport: true }) }), 'ice'],
  ["the endpoint's configuration could not be read", withA({ facts: null }), 'endpoint-unknown'],
  ['a leg multiplexes RTCP', withA({ facts: facts('alice', { rtcpMux: true }) }), 'rtcp-mux'],
  ['a leg reads as held', withLegA({ hold: true }), 'held'],
  ['a hold event was seen', withA({ heldByEvent: true }), 'held'],
  ['a recording is attached', withA({ audiohooks: 1 }), 'audiohook'],
  ['the channel carries video', withLegA({ otherMedia: true }), 'other-media'],
  ['the local address is unknown', withA({ localResolved: null }), 'local-unknown'],
  ['the wildcard local address cannot be resolved', withA({ localResolved: 'ambiguous' }), 'local-ambiguous'],
  ['the remote is null (held, nothing received)', withLegA({ remote: null }), 'remote-unknown'],
  [
    'rtp_keepalive shorter than the RTCP interval',
    withA({ facts: facts('alice', { rtpKeepalive: 2 }) }),
    'rtp-keepalive',
  ],
  [
    'the legs are of different families',
    withA({
      leg: rtpLeg('alice', v6('2001:db8:100::1', 10000), v6('2001:db8:100::10', 4000)),
      localResolved: v6('2001:db8:100::1', 10000),
    }),
    'family-mismatch',
  ],
  ['the codecs differ', withLegA({ codec: 'alaw' }), 'codec-mismatch'],
  [
    'payload types are unknown and the operator did not opt in',
    bridgeView(),
    'payload-types-unknown',
    { assumeSamePayloadTypes: false },
  ],
  [
    'telephone-event is numbered differently',
    bridgeView({
      members: [
        { ...A, leg: { ...A.leg!, payloadTypes: { ulaw: 0, 'telephone-event': 101 } } },
        { ...B, leg: { ...B.leg!, payloadTypes: { ulaw: 0, 'telephone-event': 96 } } },
      ],
    }),
    'payload-type-mismatch',
  ],
  [
    'rtp_timeout is set and no RTCP came from the remote',
    withA({ facts: facts('alice', { rtpTimeout: 30 }) }),
    'rtcp-not-seen',
  ],
  ['the bridge is younger than the minimum age', bridgeView({ twoPartySince: 9_500 }), 'too-young'],
  ['no RTP has been seen from the remote yet', withA({ probedIngressPackets: 0 }), 'remote-not-learned'],
  ['there is no probe count at all', withA({ probedIngressPackets: null }), 'remote-not-learned'],
  ['the next hop is unknown', withA({ nextHopMac: null }), 'next-hop-unknown'],
  [
    'the endpoint is excluded',
    bridgeView(),
    'out-of-scope',
    { scope: { ...policy.scope, excludeEndpoints: ['bob'] } },
  ],
  [
    'no endpoint is included',
    bridgeView(),
    'out-of-scope',
    { scope: { ...policy.scope, includeEndpoints: ['carol'] } },
  ],
  [
    'the maximum number of calls is reached',
    bridgeView(),
    'max-calls',
    { maxOffloadedCalls: 3 },
    { offloadedElsewhere: 3 },
  ],
  ['a previous offload failed recently', bridgeView({ backoffUntil: 20_000 }), 'backoff'],
];

describe('eligibility', () => {
  it.each(cases)('refuses when %s', (_name, view, reason, cfg = {}, c = {}) => {
    const d = decide(view, { ...policy, ...cfg }, { ...ctx, ...c });
    expect(d.offload).toBe(false);
    if (!d.offload) {
      expect(d.reason).toBe(reason);
      expect(d.detail.length).toBeGreaterThan(0);
    }
  });

  it('offloads a compatible two-party native_rtp bridge with both remotes confirmed', () => {
    const d = decide(bridgeView(), policy, ctx);
    expect(d.offload).toBe(true);
    if (d.offload) {
      expect(d.legs.map((l) => l.channelId)).toEqual(['alice', 'bob']);
      expect(d.legs[0].remote).toEqual(v4('198.51.100.10', 4000));
      expect(d.legs[1].dscp).toBe(46);
    }
  });

  it('asks for probe flows while only the confirmation of the remotes is missing', () => {
    const d = decide(withA({ probedIngressPackets: 0 }), policy, ctx);
    expect(d.offload === false && d.probe).toBe(true);
    const held = decide(withA({ heldByEvent: true }), policy, ctx);
    expect(held.offload === false && held.probe).toBe(false);
  });

  it('asks the switch to confirm even a remote the source says was learned (re-INVITE: the module reads the announced port as confirmed)', () => {
    const d = decide(
      withA({ probedIngressPackets: null, leg: { ...A.leg!, remoteLearned: true } }),
      policy,
      ctx,
    );
    expect(d.offload === false && d.probe && d.reason).toBe('remote-not-learned');
    const seen = decide(withA({ probedIngressPackets: 3, leg: { ...A.leg!, remoteLearned: true } }), policy, ctx);
    expect(seen.offload).toBe(true);
  });

  it('accepts rtp_timeout once RTCP came from both remotes', () => {
    const f = facts('x', { rtpTimeout: 30 });
    const view = bridgeView({
      members: [
        { ...A, facts: f, rtcpFromRemote: true },
        { ...B, facts: f, rtcpFromRemote: true },
      ],
    });
    expect(decide(view, policy, ctx).offload).toBe(true);
  });

  it('lets a manual offload pin waive the minimum age, scope and back-off but not safety', () => {
    const young = bridgeView({ twoPartySince: 9_900, pin: 'offload', backoffUntil: 20_000 });
    expect(
      decide(young, { ...policy, scope: { ...policy.scope, excludeEndpoints: ['bob'] } }, ctx).offload,
    ).toBe(true);
    const srtp = bridgeView({ pin: 'offload', members: [{ ...A, leg: { ...A.leg!, secure: true } }, B] });
    expect(decide(srtp, policy, ctx).offload).toBe(false);
  });

  it('does not ask an offloaded bridge again for pre-offload evidence (age, RTCP)', () => {
    const f = facts('x', { rtpTimeout: 30 });
    const adopted = bridgeView({
      offloaded: true,
      twoPartySince: 9_999,
      members: [
        { ...A, facts: f },
        { ...B, facts: f },
      ],
    });
    expect(decide(adopted, policy, ctx).offload).toBe(true);
    expect(decide({ ...adopted, offloaded: false }, policy, ctx).offload).toBe(false);
  });

  it('offloads legs of unreadable endpoints only when the operator opts in', () => {
    expect(decide(withA({ facts: null }), { ...policy, allowUnknownEndpoints: true }, ctx).offload).toBe(
      true,
    );
  });

  it('keeps an already offloaded bridge when the maximum is reached by the others', () => {
    const d = decide(
      bridgeView({ offloaded: true }),
      { ...policy, maxOffloadedCalls: 3 },
      { ...ctx, offloadedElsewhere: 3 },
    );
    expect(d.offload).toBe(true);
  });
});
