import type { ResolvedEndpoint } from '../options.js';
import type { RtpLeg } from '../rtp/leg.js';

export type Technology = 'simple_bridge' | 'native_rtp';

/** A basic bridge (the class Dial creates) and its current technology. */
export class SimBridge {
  technology: Technology = 'simple_bridge';
  /** native_rtp glue result: local p2p relay or direct media (re-INVITEd endpoints). */
  nativeMode: 'local' | 'remote' | null = null;
  readonly channels: SimChannel[] = [];
  readonly subclass = 'basic';
  readonly creator = '';
  readonly name = '';
  readonly videoSourceMode = 'none';
  destroyed = false;
  /** Pending technology re-evaluation (smart_bridge_operation runs a moment later). */
  reconfigureTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly uniqueid: string,
    readonly createdAt: number,
  ) {}
}

/** ast_state2str (main/channel.c), indexed by AST_STATE_*. */
const STATE_DESC = [
  'Down',
  'Rsrvd',
  'OffHook',
  'Dialing',
  'Ring',
  'Ringing',
  'Up',
  'Busy',
  'Dialing Offhook',
  'Pre-ring',
];

export const AST_STATE_DOWN = 0;
export const AST_STATE_RING = 4;
export const AST_STATE_RINGING = 5;
export const AST_STATE_UP = 6;

export function stateDescription(state: number): string {
  return STATE_DESC[state] ?? 'Unknown';
}

/** One SIP channel of the simulated PBX and the facts its AMI snapshot is made of. */
export class SimChannel {
  state = 0;
  callerNum: string;
  callerName: string;
  connectedNum = '';
  connectedName = '';
  readonly language = 'en';
  readonly accountCode = '';
  context: string;
  exten: string;
  priority = 1;
  appl: string;
  data: string;
  readonly createdAt: number;
  readonly vars = new Map<string, string>();
  bridge: SimBridge | null = null;
  /** Active audiohooks (MixMonitor): each one forces simple_bridge. */
  mixMonitors = 0;
  /** The remote of this channel sent sendonly/inactive (CHANNEL(rtp,hold)). */
  remoteHold = false;
  /** This channel hears music on hold from the PBX. */
  hearingMoh = false;
  hungUp = false;
  /** Set while the call was re-INVITEd to direct media. */
  directMedia = false;
  /**
   * The channel runs dialplan (it called Dial, or a blind transfer sent it to an
   * extension): when its bridge ends, the PBX thread ends the dialplan with a soft hangup,
   * so a SoftHangupRequest precedes its Hangup. Dialled channels are hung up directly.
   */
  runsDialplan = false;
  /** The other half of a Local channel pair: hanging up one hangs up the other. */
  localPartner: SimChannel | null = null;

  constructor(
    readonly name: string,
    readonly uniqueid: string,
    public linkedid: string,
    readonly endpoint: ResolvedEndpoint,
    /** The audio RTP instance; `null` for Local channels, which have no RTP glue. */
    readonly leg: RtpLeg | null,
    /** The SIP Call-ID of the dialog (BRIDGEPVTCALLID on the peer). */
    readonly pvtCallId: string,
    now: number,
    fields: { context: string; exten: string; appl: string; data: string },
  ) {
    this.callerNum = endpoint.extension;
    this.callerName = endpoint.displayName;
    this.context = fields.context;
    this.exten = fields.exten;
    this.appl = fields.appl;
    this.data = fields.data;
    this.createdAt = now;
  }

  /** A Local/…;1 or ;2 half (main/core_local.c): no RTP, optimised away when it can be. */
  get isLocal(): boolean {
    return this.leg === null;
  }

  /** The channel's RTP leg; only SIP channels have one. */
  get rtp(): RtpLeg {
    if (!this.leg) throw new Error(`${this.name} has no RTP`);
    return this.leg;
  }

  get isUp(): boolean {
    return this.state === AST_STATE_UP;
  }

  /** The other channel of a two-party bridge. */
  peer(): SimChannel | null {
    if (!this.bridge) return null;
    return this.bridge.channels.find((c) => c !== this) ?? null;
  }
}
