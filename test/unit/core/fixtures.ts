import type { ChannelInfo, EndpointFacts, RtpLeg, SocketAddr } from '../../../src/model/pbx.js';
import type { PlanLeg, PlanOptions } from '../../../src/plan/planner.js';
import type { BridgeView, LegView, PolicyConfig } from '../../../src/policy/view.js';

export const v4 = (address: string, port: number): SocketAddr => ({ address, port, family: 4 });
export const v6 = (address: string, port: number): SocketAddr => ({ address, port, family: 6 });

export function channel(
  id: string,
  name = `PJSIP/${id}-00000001`,
  over: Partial<ChannelInfo> = {},
): ChannelInfo {
  return {
    id,
    name,
    driver: 'pjsip',
    endpoint: id,
    state: 6,
    context: 'internal',
    exten: '100',
    linkedId: 'L',
    ...over,
  };
}

export function rtpLeg(
  channelId: string,
  local: SocketAddr,
  remote: SocketAddr | null,
  over: Partial<RtpLeg> = {},
): RtpLeg {
  return {
    channelId,
    local,
    remote,
    remoteLearned: null,
    direct: false,
    secure: false,
    hold: false,
    codec: 'ulaw',
    payloadTypes: null,
    otherMedia: false,
    readAt: 0,
    ...over,
  };
}

export function facts(endpoint: string, over: Partial<EndpointFacts> = {}): EndpointFacts {
  return {
    endpoint,
    rtpTimeout: 0,
    rtpTimeoutHold: 0,
    rtpKeepalive: 0,
    iceSupport: false,
    rtcpMux: false,
    directMedia: false,
    mediaEncryption: 'no',
    tosAudioDscp: 46,
    dtmfMode: 'rfc4733',
    ...over,
  };
}

export function legView(
  id: string,
  local: SocketAddr,
  remote: SocketAddr | null,
  over: Partial<LegView> = {},
): LegView {
  const leg = rtpLeg(id, local, remote);
  return {
    channel: channel(id),
    leg,
    facts: facts(id),
    heldByEvent: false,
    audiohooks: 0,
    rtcpFromRemote: false,
    localResolved: local,
    probedIngressPackets: 5,
    nextHopMac: '02:00:00:00:00:aa',
    forwardingInstalled: false,
    ...over,
  };
}

export function bridgeView(over: Partial<BridgeView> = {}): BridgeView {
  return {
    id: 'b1',
    technology: 'native_rtp',
    members: [
      legView('alice', v4('198.51.100.1', 10000), v4('198.51.100.10', 4000)),
      legView('bob', v4('198.51.100.1', 10002), v4('198.51.100.11', 5000)),
    ],
    twoPartySince: 0,
    pin: null,
    backoffUntil: null,
    offloaded: false,
    ...over,
  };
}

export const policy: PolicyConfig = {
  minBridgeAgeMs: 1000,
  assumeSamePayloadTypes: true,
  trustRemoteAddress: false,
  allowUnknownEndpoints: false,
  maxOffloadedCalls: 0,
  scope: { includeEndpoints: [], excludeEndpoints: [], includeContexts: [], excludeContexts: [] },
  rtcpIntervalSec: 5,
};

/** The plan options the switch-side unit tests share. */
export const planOptions: PlanOptions = {
  cookieTag: 0xab,
  table: 0,
  priority: 1000,
  idleTimeout: 30,
  watchIdleTimeout: 300,
  ttl: 64,
  bridgeMac: '02:00:00:00:00:01',
  uplinkPort: 1,
  vlan: null,
};

/** One IPv4 leg toward the PBX address 198.51.100.1. */
export const planLeg = (id: string, lport: number, remote: string, rport: number): PlanLeg => ({
  channelId: id,
  local: v4('198.51.100.1', lport),
  remote: v4(remote, rport),
  nextHopMac: '02:00:00:00:00:aa',
  dscp: 46,
});
