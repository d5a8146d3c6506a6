import type { SimChannel } from './model/objects.js';

export type Glue = 'forbid' | 'local' | 'remote';

export interface TechnologyChoice {
  readonly technology: 'simple_bridge' | 'native_rtp';
  readonly mode: 'local' | 'remote' | null;
  /** Why native_rtp was refused, for logs and tests. */
  readonly reason: string | null;
}

/**
 * chan_pjsip_get_rtp_peer / sip_get_rtp_peer: FORBID with SRTP configured (even if it fell
 * back to plain RTP), REMOTE with direct media, LOCAL otherwise.
 */
export function glueOf(c: SimChannel, directMediaOverride: boolean | null): Glue {
  if (c.endpoint.mediaEncryption !== 'no') return 'forbid';
  const direct = directMediaOverride ?? c.endpoint.directMedia;
  return direct ? 'remote' : 'local';
}

/**
 * bridge_native_rtp.c native_rtp_bridge_compatible_check, reduced to what the lab models:
 * two Up channels, no audiohook, glue on both legs, no DTMF feature hooks with RFC 4733 or
 * inband DTMF, matching DTMF setups for a local bridge, and the same codec.
 */
export function chooseTechnology(
  channels: readonly SimChannel[],
  directMediaOverride: boolean | null,
  dtmfFeatures: boolean,
): TechnologyChoice {
  const simple = (reason: string): TechnologyChoice => ({ technology: 'simple_bridge', mode: null, reason });
  if (channels.length !== 2) return simple('not two channels');
  const [a, b] = channels as [SimChannel, SimChannel];
  if (!a.isUp || !b.isUp) return simple('not both up');
  if (a.mixMonitors > 0 || b.mixMonitors > 0) return simple('audiohook');
  // A Local/ half has no RTP glue: the bridge waits for Local optimisation.
  if (!a.leg || !b.leg) return simple('no RTP glue (Local channel)');
  const ga = glueOf(a, directMediaOverride);
  const gb = glueOf(b, directMediaOverride);
  if (ga === 'forbid' || gb === 'forbid') return simple('glue forbids (media_encryption)');
  const inbandDtmf = (c: SimChannel): boolean =>
    c.endpoint.dtmfMode !== 'info' && c.endpoint.dtmfMode !== 'none';
  if (dtmfFeatures && (inbandDtmf(a) || inbandDtmf(b))) return simple('DTMF feature hooks');
  if (a.rtp.codec !== b.rtp.codec) return simple('codecs differ');
  const mode = ga === 'local' || gb === 'local' ? 'local' : 'remote';
  if (mode === 'local' && a.endpoint.dtmfMode !== b.endpoint.dtmfMode) return simple('DTMF modes differ');
  return { technology: 'native_rtp', mode, reason: null };
}
