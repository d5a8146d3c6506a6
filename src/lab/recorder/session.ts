import { setTimeout as sleep } from 'node:timers/promises';
import { AmiSession, header, type AmiMessage } from './ami.js';
import { ariJson, AriEventSocket, type AriEndpoint, type Json } from './ari.js';
import type { Connector } from './connector.js';
import { Transcript } from './transcript.js';

/** Where the PBX under test listens and how to log in. */
export interface PbxAccess {
  readonly connect: Connector;
  readonly amiHost: string;
  readonly amiPort: number;
  readonly amiUser: string;
  readonly amiSecret: string;
  readonly ari: AriEndpoint;
  /** ARI application name for the event WebSocket. */
  readonly ariApp: string;
}

/**
 * The event classes the recorder asks for: `call` (bridges, channels, hold, transfers),
 * `reporting` (RTCPSent/RTCPReceived), `system` (FullyBooted), `dialplan` (VarSet).
 */
export const EVENT_MASK = 'system,call,reporting,dialplan';

/** The channel functions read on each leg at each phase of a call. */
export const LEG_VARIABLES = [
  'CHANNEL(rtp,src)',
  'CHANNEL(rtp,dest)',
  'CHANNEL(rtp,direct)',
  'CHANNEL(rtp,secure)',
  'CHANNEL(rtp,hold)',
  'CHANNEL(audionativeformat)',
  'CHANNEL(audioreadformat)',
  'CHANNEL(audiowriteformat)',
] as const;

/** Transcripts opened since the last reset, so a failed scenario's partial record is kept. */
export const openedTranscripts: Transcript[] = [];

/** One scenario's AMI session and ARI event socket, both writing to one transcript. */
export class RecordingSession {
  private constructor(
    readonly access: PbxAccess,
    readonly transcript: Transcript,
    readonly ami: AmiSession,
    readonly ari: AriEventSocket | null,
  ) {}

  static async open(
    access: PbxAccess,
    opts: { ari?: boolean; mask?: string } = {},
  ): Promise<RecordingSession> {
    const transcript = new Transcript();
    openedTranscripts.push(transcript);
    transcript.mark('connect');
    const ami = await AmiSession.open(access.connect, access.amiHost, access.amiPort, transcript);
    const booted = ami.waitForEvent('FullyBooted', () => true, 3000).catch(() => null);
    const login = await ami.action('Login', [
      ['Username', access.amiUser],
      ['Secret', access.amiSecret],
      ['Events', opts.mask ?? EVENT_MASK],
    ]);
    if (header(login, 'Response') !== 'Success') throw new Error(`AMI login failed: ${login.raw}`);
    await booted;
    const ari = opts.ari === false ? null : await AriEventSocket.open(access.ari, transcript, access.ariApp);
    transcript.mark('ready');
    return new RecordingSession(access, transcript, ami, ari);
  }

  mark(name: string, detail?: Record<string, string | number | boolean | null>): void {
    this.transcript.mark(name, detail);
  }

  async getvar(channel: string, variable: string): Promise<string | undefined> {
    const res = await this.ami.action('Getvar', [
      ['Channel', channel],
      ['Variable', variable],
    ]);
    return header(res, 'Value');
  }

  /** Reads every LEG_VARIABLES value of one channel, under a marker naming the phase. */
  async readLeg(phase: string, channel: string): Promise<Record<string, string | undefined>> {
    this.mark(`getvar:${phase}`, { channel });
    const out: Record<string, string | undefined> = {};
    for (const v of LEG_VARIABLES) out[v] = await this.getvar(channel, v);
    return out;
  }

  ariGet(path: string): Promise<{ status: number; json: Json }> {
    return ariJson(this.access.ari, this.transcript, 'GET', path);
  }

  /** Current technology of a bridge from BridgeInfo. */
  async bridgeInfo(bridgeId: string): Promise<string | undefined> {
    const r = await this.ami.list('BridgeInfo', [['BridgeUniqueid', bridgeId]]);
    return r.complete ? header(r.complete, 'BridgeTechnology') : undefined;
  }

  /** Polls BridgeInfo until the technology is `want` (or the time is up); returns the ms it took. */
  async waitForTechnology(bridgeId: string, want: string, timeoutMs = 3000): Promise<number | null> {
    const start = performance.now();
    while (performance.now() - start < timeoutMs) {
      if ((await this.bridgeInfo(bridgeId)) === want) return Math.round(performance.now() - start);
      await sleep(20);
    }
    return null;
  }

  /** Gives late events a moment to arrive, then closes both connections. */
  async close(settleMs = 500): Promise<void> {
    await sleep(settleMs);
    this.mark('close');
    this.ari?.close();
    if (!this.ami.isClosed) {
      await this.ami.action('Logoff', [], 2000).catch(() => undefined);
      this.ami.close();
    }
    await sleep(250);
  }
}

export const eventName = (m: AmiMessage): string | undefined => header(m, 'Event');
