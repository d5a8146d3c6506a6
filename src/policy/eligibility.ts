import type { SocketAddr } from '../model/pbx.js';
import { refuse, type Refusal } from './reasons.js';
import type { BridgeView, LegView, PolicyConfig, PolicyContext, Scope } from './view.js';

/** One leg ready for the planner: every address resolved, every fact known. */
export interface ReadyLeg {
  readonly channelId: string;
  readonly local: SocketAddr;
  readonly remote: SocketAddr;
  readonly nextHopMac: string;
  /** DSCP Asterisk marks audio with toward this leg's remote. */
  readonly dscp: number;
}

export type Decision =
  | { readonly offload: true; readonly legs: readonly [ReadyLeg, ReadyLeg] }
  | ({ readonly offload: false; readonly probe: boolean } & Refusal);

/** Whether the switch should install pass-through probe flows to confirm the remotes. */
function no(r: Refusal, probe = false): Decision {
  return { offload: false, probe, ...r };
}

/**
 * Decides whether a bridge's media may be moved to the switch. Pure: the same view and
 * config always give the same decision. The order of checks puts the operator's word
 * first, then what the legs and Asterisk say, then what the switch needs, so `explain`
 * names the most fundamental reason.
 */
export function decide(view: BridgeView, cfg: PolicyConfig, ctx: PolicyContext): Decision {
  if (ctx.killSwitch) return no(refuse('kill-switch'));
  if (view.pin === 'revert') return no(refuse('pinned-off'));
  if (view.members.length !== 2)
    return no(refuse('not-two-party', `the bridge has ${view.members.length} member(s)`));
  const [a, b] = view.members as readonly [LegView, LegView];

  const scoped = outOfScope(view.members, cfg.scope);
  if (scoped && view.pin !== 'offload') return no(refuse('out-of-scope', scoped));

  for (const m of view.members) {
    if (m.channel.driver !== 'pjsip' && m.channel.driver !== 'sip') {
      return no(refuse('driver', `${m.channel.name} is a ${m.channel.driver} channel`));
    }
  }
  // What the legs say comes before the technology: when Asterisk keeps a bridge on
  // simple_bridge because of SRTP, a recording or mismatched codecs, that is the reason
  // worth showing, not the technology it leads to.
  for (const m of view.members) {
    const r = legRefusal(m, cfg);
    if (r) return no(r);
  }
  const la = a.leg!;
  const lb = b.leg!;
  if (la.remote!.family !== lb.remote!.family) {
    return no(refuse('family-mismatch', `IPv${la.remote!.family} and IPv${lb.remote!.family}`));
  }
  if (la.codec !== null && lb.codec !== null && la.codec !== lb.codec) {
    return no(refuse('codec-mismatch', `${la.codec} and ${lb.codec}`));
  }
  if (la.payloadTypes === null || lb.payloadTypes === null) {
    if (!cfg.assumeSamePayloadTypes) return no(refuse('payload-types-unknown'));
  } else {
    const diff = payloadTypeDifference(la.payloadTypes, lb.payloadTypes);
    if (diff) return no(refuse('payload-type-mismatch', diff));
  }

  if (view.technology === null) return no(refuse('technology-unknown'));
  if (view.technology !== 'native_rtp') return no(refuse('technology', `technology is ${view.technology}`));

  // Evidence gathered before an offload (age, RTCP) is not asked again of a call that is
  // offloaded already, e.g. adopted by a restarted agent that has not seen it age.
  const established = view.offloaded;
  for (const m of view.members) {
    const f = m.facts;
    if (f && f.rtpTimeout > 0 && !m.rtcpFromRemote && !established) {
      return no(
        refuse(
          'rtcp-not-seen',
          `${m.channel.name}: rtp_timeout=${f.rtpTimeout} and no RTCP from its remote yet`,
        ),
        true,
      );
    }
  }

  const age = view.twoPartySince === null ? 0 : ctx.now - view.twoPartySince;
  if (age < cfg.minBridgeAgeMs && view.pin !== 'offload' && !established) {
    return no(refuse('too-young', `bridged ${age} ms ago, minimum ${cfg.minBridgeAgeMs} ms`), true);
  }
  for (const m of view.members) {
    if (!remoteConfirmed(m, cfg)) {
      return no(
        refuse('remote-not-learned', `${m.channel.name}: no RTP seen from ${fmt(m.leg!.remote!)} yet`),
        true,
      );
    }
  }
  for (const m of view.members) {
    if (m.nextHopMac === null)
      return no(refuse('next-hop-unknown', `no neighbour entry toward ${fmt(m.leg!.remote!)}`), true);
  }
  if (view.backoffUntil !== null && ctx.now < view.backoffUntil && view.pin !== 'offload') {
    // Instants are monotonic: only the time left means anything to a reader.
    const left = Math.ceil((view.backoffUntil - ctx.now) / 1000);
    return no(refuse('backoff', `retry in ${left} s`));
  }
  if (!view.offloaded && cfg.maxOffloadedCalls > 0 && ctx.offloadedElsewhere >= cfg.maxOffloadedCalls) {
    return no(
      refuse('max-calls', `${ctx.offloadedElsewhere} calls offloaded, maximum ${cfg.maxOffloadedCalls}`),
    );
  }
  return { offload: true, legs: [ready(a), ready(b)] };
}

function legRefusal(m: LegView, cfg: PolicyConfig): Refusal | null {
  const name = m.channel.name;
  const leg = m.leg;
  if (!leg) return refuse('leg-unknown', `${name}: RTP leg not read yet`);
  if (leg.direct) return refuse('direct-media', `${name} is in direct media`);
  // Without the endpoint's configuration, rtp_timeout (Asterisk would hang up an offloaded
  // call), ICE, rtcp-mux and rtp_keepalive cannot be checked.
  if (!m.facts && !cfg.allowUnknownEndpoints) {
    return refuse(
      'endpoint-unknown',
      `${name}: the configuration of endpoint ${m.channel.endpoint ?? '?'} could not be read`,
    );
  }
  if (leg.secure) return refuse('srtp', `${name} uses SRTP`);
  if (m.facts && m.facts.mediaEncryption !== 'no' && m.facts.mediaEncryption !== '') {
    return refuse(
      'srtp',
      `${name}: endpoint ${m.facts.endpoint} has media_encryption=${m.facts.mediaEncryption}`,
    );
  }
  if (m.facts?.iceSupport) return refuse('ice', `${name}: endpoint ${m.facts.endpoint} has ice_support=yes`);
  if (m.facts?.rtcpMux) return refuse('rtcp-mux', `${name}: endpoint ${m.facts.endpoint} has rtcp_mux=yes`);
  if (leg.hold || m.heldByEvent) return refuse('held', `${name} is on hold`);
  if (m.audiohooks > 0) return refuse('audiohook', `${name} has ${m.audiohooks} audiohook(s)`);
  if (leg.otherMedia === true) return refuse('other-media', `${name} carries video or T.38`);
  if (m.localResolved === null) return refuse('local-unknown', `${name}: local RTP address unknown`);
  if (m.localResolved === 'ambiguous')
    return refuse('local-ambiguous', `${name}: local address ${fmt(leg.local!)}`);
  if (!leg.remote) return refuse('remote-unknown', `${name}: no remote RTP address`);
  if (m.localResolved.family !== leg.remote.family)
    return refuse('family-mismatch', `${name}: local and remote families differ`);
  const ka = m.facts?.rtpKeepalive ?? 0;
  if (ka > 0 && ka <= cfg.rtcpIntervalSec) {
    return refuse(
      'rtp-keepalive',
      `${name}: rtp_keepalive=${ka} s is not longer than the RTCP interval (${cfg.rtcpIntervalSec} s)`,
    );
  }
  return null;
}

/**
 * Only the switch confirms a remote: Asterisk's own "learned" flag is not enough, because
 * right after a re-INVITE the module reads the announced address as confirmed (its packet
 * counter is not reset) while the phone may keep sending from the old port, where Asterisk
 * then re-learns it. A rewrite toward the announced port would send audio nowhere.
 */
function remoteConfirmed(m: LegView, cfg: PolicyConfig): boolean {
  if (cfg.trustRemoteAddress) return true;
  return (m.probedIngressPackets ?? 0) > 0;
}

function ready(m: LegView): ReadyLeg {
  return {
    channelId: m.channel.id,
    local: m.localResolved as SocketAddr,
    remote: m.leg!.remote!,
    nextHopMac: m.nextHopMac!,
    dscp: m.facts?.tosAudioDscp ?? 0,
  };
}

function payloadTypeDifference(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): string | null {
  for (const fmtName of Object.keys(a)) {
    if (fmtName in b && a[fmtName] !== b[fmtName]) return `${fmtName}: ${a[fmtName]} vs ${b[fmtName]}`;
  }
  const onlyA = Object.keys(a).filter((k) => !(k in b));
  const onlyB = Object.keys(b).filter((k) => !(k in a));
  // A format only one side negotiated would be sent to a peer that cannot decode it.
  if (onlyA.length > 0 || onlyB.length > 0)
    return `formats on one side only: ${[...onlyA, ...onlyB].join(', ')}`;
  return null;
}

function outOfScope(members: readonly LegView[], scope: Scope): string | null {
  for (const m of members) {
    const ep = m.channel.endpoint ?? '';
    if (scope.excludeEndpoints.includes(ep)) return `endpoint ${ep} is excluded`;
    if (scope.excludeContexts.includes(m.channel.context)) return `context ${m.channel.context} is excluded`;
  }
  const inc = (list: readonly string[], pick: (m: LegView) => string): boolean =>
    list.length === 0 || members.some((m) => list.includes(pick(m)));
  if (!inc(scope.includeEndpoints, (m) => m.channel.endpoint ?? ''))
    return 'no endpoint of the bridge is included';
  if (!inc(scope.includeContexts, (m) => m.channel.context)) return 'no context of the bridge is included';
  return null;
}

export function fmt(a: SocketAddr): string {
  return a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
