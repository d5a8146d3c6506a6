import type dgram from 'node:dgram';
import type net from 'node:net';
import { PbxError } from './errors.js';

export type AsteriskVersion = 20 | 22;
export type ChannelDriverName = 'pjsip' | 'sip';
export type DtmfMode = 'rfc4733' | 'inband' | 'info' | 'auto' | 'auto_info' | 'none';
export type MediaEncryption = 'no' | 'sdes' | 'dtls';
export type Codec = 'ulaw' | 'alaw';

/** manager.conf user: `read=`/`write=` are class lists (`system,call,reporting` or `all`). */
export interface AmiUser {
  readonly username: string;
  readonly secret: string;
  readonly read: string;
  readonly write: string;
}

export interface AmiOptions {
  /** Listen address. @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  readonly users: readonly AmiUser[];
  /**
   * An already listening server (e.g. `testbed.tcpServer('pbx', …)`) to accept on
   * instead of opening one; it stays open across `restart()`.
   */
  readonly server?: net.Server;
  /** manager.conf `timestampevents`. @default false */
  readonly timestampEvents?: boolean;
  /** asterisk.conf `systemname`: adds `SystemName:` to events and prefixes Uniqueids. */
  readonly systemName?: string;
  /** manager.conf `authtimeout` in seconds. @default 30 */
  readonly authTimeoutSec?: number;
}

/**
 * One pjsip.conf endpoint (or sip.conf peer). Defaults follow Asterisk except
 * `directMedia`, which defaults to `false` here because the lab is about the local relay
 * (Asterisk's own default is `direct_media=yes`).
 */
export interface EndpointConfig {
  /** Dialled number and caller ID number. @default the endpoint name */
  readonly extension?: string;
  /** Caller ID name. @default the endpoint name */
  readonly displayName?: string;
  /** @default 'internal' */
  readonly context?: string;
  /** Seconds; 0 = off. */
  readonly rtpTimeout?: number;
  readonly rtpTimeoutHold?: number;
  readonly rtpKeepalive?: number;
  readonly iceSupport?: boolean;
  readonly mediaEncryption?: MediaEncryption;
  readonly rtcpMux?: boolean;
  readonly directMedia?: boolean;
  /** TOS byte as pjsip.conf takes it: a number or a name such as `ef`, `af41`, `cs3`. */
  readonly tosAudio?: number | string;
  readonly dtmfMode?: DtmfMode;
  /** Allowed codecs, in preference order. @default ['ulaw'] */
  readonly allow?: readonly Codec[];
  /** Payload type numbers this endpoint's SDP uses. @default ulaw 0, alaw 8, telephone-event 101 */
  readonly payloadTypes?: Readonly<Partial<Record<Codec | 'telephone-event', number>>>;
  /** @default 'default' */
  readonly mohSuggest?: string;
  /**
   * The phone's media address when the PBX calls it on its own (AMI BlindTransfer and
   * Atxfer to this endpoint's extension). Without it such transfers fail.
   */
  readonly remote?: { readonly address: string; readonly port: number };
}

export interface ResolvedEndpoint {
  readonly name: string;
  readonly extension: string;
  readonly displayName: string;
  readonly context: string;
  readonly rtpTimeout: number;
  readonly rtpTimeoutHold: number;
  readonly rtpKeepalive: number;
  readonly iceSupport: boolean;
  readonly mediaEncryption: MediaEncryption;
  readonly rtcpMux: boolean;
  readonly directMedia: boolean;
  readonly tosAudio: number;
  readonly dtmfMode: DtmfMode;
  readonly allow: readonly Codec[];
  readonly payloadTypes: Readonly<Record<Codec | 'telephone-event', number>>;
  readonly mohSuggest: string;
  readonly remote: { readonly address: string; readonly port: number } | null;
}

export type OpenRtpSocket = (family: 4 | 6, address: string, port: number) => Promise<dgram.Socket>;

export interface SimulatedPbxOptions {
  /** Major version: AMI 9.0.0 (20) or 11.0.0 (22); chan_sip exists only up to 20. */
  readonly version: AsteriskVersion;
  readonly driver: ChannelDriverName;
  readonly ami: AmiOptions;
  /** Binds an RTP or RTCP socket; tests pass `testbed.udpSocket('pbx', …)`. @default plain dgram */
  readonly openRtpSocket?: OpenRtpSocket;
  /** The PBX host's own addresses; legs use the family of their remote. @default 127.0.0.1 / ::1 */
  readonly localAddress?: { readonly ipv4?: string; readonly ipv6?: string };
  /** `wildcard` binds RTP to 0.0.0.0/:: so CHANNEL(rtp,src) reads `0.0.0.0:port`. @default 'specific' */
  readonly rtpBind?: 'specific' | 'wildcard';
  /** rtp.conf rtpstart/rtpend. @default 10000–20000 */
  readonly rtpPortRange?: readonly [number, number];
  /** Delay from the second BridgeEnter to native_rtp (same millisecond on real 22.10.1). @default 0 */
  readonly nativeSwitchDelayMs?: number;
  /** A hook appearing moves the bridge to simple_bridge after this long. @default 2 */
  readonly hookSwitchDelayMs?: number;
  /** A hook going away moves it back after a delay drawn from this range. @default [16, 50] */
  readonly unhookSwitchDelayMs?: readonly [number, number];
  /** rtp.conf rtcpinterval. @default 5000 */
  readonly rtcpIntervalMs?: number;
  /** Time from a Local-channel call's answer to its optimisation. @default 20 */
  readonly localOptimizeDelayMs?: number;
  /** rtp.conf strictrtp (yes/no): with no, every source is taken and followed at once. @default true */
  readonly strictRtp?: boolean;
  /** Strict RTP learning window (res_rtp_asterisk STRICT_RTP_LEARN_TIMEOUT). @default 5000 */
  readonly strictRtpLearnMs?: number;
  /**
   * Serve ARI (REST and the event WebSocket) from the live model, beside AMI.
   * @default none
   */
  readonly ari?: {
    readonly host?: string;
    readonly port?: number;
    readonly username: string;
    readonly password: string;
  };
  /** res_rtp_offload.so loaded at start (RtpOffloadList); `pbx.modules` loads it later. @default false */
  readonly rtpOffloadModule?: boolean;
  readonly endpoints: Readonly<Record<string, EndpointConfig>>;
}

const TOS_NAMES: Readonly<Record<string, number>> = {
  cs0: 0x00,
  cs1: 0x20,
  cs2: 0x40,
  cs3: 0x60,
  cs4: 0x80,
  cs5: 0xa0,
  cs6: 0xc0,
  cs7: 0xe0,
  af11: 0x28,
  af12: 0x30,
  af13: 0x38,
  af21: 0x48,
  af22: 0x50,
  af23: 0x58,
  af31: 0x68,
  af32: 0x70,
  af33: 0x78,
  af41: 0x88,
  af42: 0x90,
  af43: 0x98,
  ef: 0xb8,
};

/** ast_str2tos: a TOS byte from a number or a DSCP name (stored as the TOS byte). */
export function parseTos(value: number | string, key: string): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 255)
      throw new PbxError('PBX_BAD_OPTION', `${key}: TOS must be 0..255, got ${value}`);
    return value;
  }
  const named = TOS_NAMES[value.toLowerCase()];
  if (named !== undefined) return named;
  const n = Number(value);
  if (Number.isInteger(n) && n >= 0 && n <= 255) return n;
  throw new PbxError('PBX_BAD_OPTION', `${key}: unknown TOS ${JSON.stringify(value)}`);
}

function seconds(v: number | undefined, key: string): number {
  if (v === undefined) return 0;
  if (!Number.isFinite(v) || v < 0) throw new PbxError('PBX_BAD_OPTION', `${key} must be >= 0, got ${v}`);
  return v;
}

export function resolveEndpoint(name: string, c: EndpointConfig): ResolvedEndpoint {
  const key = `endpoints.${name}`;
  if (!/^[A-Za-z0-9_.+-]+$/.test(name)) throw new PbxError('PBX_BAD_OPTION', `${key}: bad endpoint name`);
  const allow = c.allow ?? ['ulaw'];
  if (allow.length === 0) throw new PbxError('PBX_BAD_OPTION', `${key}.allow must not be empty`);
  return {
    name,
    extension: c.extension ?? name,
    displayName: c.displayName ?? name,
    context: c.context ?? 'internal',
    rtpTimeout: seconds(c.rtpTimeout, `${key}.rtpTimeout`),
    rtpTimeoutHold: seconds(c.rtpTimeoutHold, `${key}.rtpTimeoutHold`),
    rtpKeepalive: seconds(c.rtpKeepalive, `${key}.rtpKeepalive`),
    iceSupport: c.iceSupport ?? false,
    mediaEncryption: c.mediaEncryption ?? 'no',
    rtcpMux: c.rtcpMux ?? false,
    directMedia: c.directMedia ?? false,
    tosAudio: parseTos(c.tosAudio ?? 0, `${key}.tosAudio`),
    dtmfMode: c.dtmfMode ?? 'rfc4733',
    allow,
    payloadTypes: { ulaw: 0, alaw: 8, 'telephone-event': 101, ...c.payloadTypes },
    mohSuggest: c.mohSuggest ?? 'default',
    remote: c.remote ?? null,
  };
}

export interface ResolvedOptions {
  readonly version: AsteriskVersion;
  readonly amiVersion: string;
  readonly driver: ChannelDriverName;
  readonly ami: Required<Omit<AmiOptions, 'server' | 'systemName'>> & {
    readonly server: net.Server | null;
    readonly systemName: string;
  };
  readonly localAddress: { readonly ipv4: string; readonly ipv6: string };
  readonly rtpBind: 'specific' | 'wildcard';
  readonly rtpPortRange: readonly [number, number];
  readonly nativeSwitchDelayMs: number;
  readonly hookSwitchDelayMs: number;
  readonly unhookSwitchDelayMs: readonly [number, number];
  readonly rtcpIntervalMs: number;
  readonly localOptimizeDelayMs: number;
  readonly strictRtp: { readonly enabled: boolean; readonly learnMs: number };
  readonly rtpOffloadModule: boolean;
  readonly ari: {
    readonly host: string;
    readonly port: number;
    readonly username: string;
    readonly password: string;
  } | null;
  readonly endpoints: ReadonlyMap<string, ResolvedEndpoint>;
}

/** Validates once, at construction; errors name the key. */
export function resolveOptions(o: SimulatedPbxOptions): ResolvedOptions {
  if (o.version !== 20 && o.version !== 22)
    throw new PbxError('PBX_BAD_OPTION', `version must be 20 or 22, got ${String(o.version)}`);
  if (o.driver !== 'pjsip' && o.driver !== 'sip')
    throw new PbxError('PBX_BAD_OPTION', `driver must be pjsip or sip, got ${String(o.driver)}`);
  if (o.driver === 'sip' && o.version > 20)
    throw new PbxError('PBX_BAD_OPTION', 'driver: chan_sip was removed in Asterisk 21');
  const range = o.rtpPortRange ?? [10000, 20000];
  if (range[0] < 1024 || range[1] > 65534 || range[1] - range[0] < 4)
    throw new PbxError('PBX_BAD_OPTION', `rtpPortRange ${range.join('-')} is not usable`);
  const endpoints = new Map<string, ResolvedEndpoint>();
  for (const [name, c] of Object.entries(o.endpoints)) endpoints.set(name, resolveEndpoint(name, c));
  for (const [i, u] of o.ami.users.entries()) {
    if (!u.username || typeof u.secret !== 'string')
      throw new PbxError('PBX_BAD_OPTION', `ami.users[${i}] needs username and secret`);
  }
  return {
    version: o.version,
    amiVersion: o.version === 20 ? '9.0.0' : '11.0.0',
    driver: o.driver,
    ami: {
      host: o.ami.host ?? '127.0.0.1',
      port: o.ami.port ?? 0,
      users: o.ami.users,
      server: o.ami.server ?? null,
      timestampEvents: o.ami.timestampEvents ?? false,
      systemName: o.ami.systemName ?? '',
      authTimeoutSec: o.ami.authTimeoutSec ?? 30,
    },
    localAddress: { ipv4: o.localAddress?.ipv4 ?? '127.0.0.1', ipv6: o.localAddress?.ipv6 ?? '::1' },
    rtpBind: o.rtpBind ?? 'specific',
    rtpPortRange: range,
    nativeSwitchDelayMs: o.nativeSwitchDelayMs ?? 0,
    hookSwitchDelayMs: o.hookSwitchDelayMs ?? 2,
    unhookSwitchDelayMs: o.unhookSwitchDelayMs ?? [16, 50],
    rtcpIntervalMs: o.rtcpIntervalMs ?? 5000,
    localOptimizeDelayMs: o.localOptimizeDelayMs ?? 20,
    strictRtp: {
      enabled: o.strictRtp ?? true,
      learnMs: seconds(o.strictRtpLearnMs ?? 5000, 'strictRtpLearnMs'),
    },
    rtpOffloadModule: o.rtpOffloadModule ?? false,
    ari: o.ari
      ? {
          host: o.ari.host ?? '127.0.0.1',
          port: o.ari.port ?? 0,
          username: o.ari.username,
          password: o.ari.password,
        }
      : null,
    endpoints,
  };
}
