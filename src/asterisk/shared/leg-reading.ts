/**
 * The wiring of one leg read that AMI and ARI share: refuse a channel whose hangup was seen,
 * take what the endpoint configuration says (so that the reader skips variables it cannot
 * need), run the CHANNEL() reader over the source's own variable read, keep the bound
 * address for the next read, and log what could not be read.
 */

import type { ChannelInfo, EndpointFacts, RtpLeg } from '../../model/pbx.js';
import { readRtpLeg } from '../ami/leg-reader.js';
import type { AmiLogger } from '../ami/logger.js';
import type { PbxEventFanout } from './event-fanout.js';

export interface LegReadingDeps {
  readonly fanout: PbxEventFanout;
  readonly logger: AmiLogger;
  readonly now: () => number;
  endpointFacts(channel: ChannelInfo): Promise<EndpointFacts | null>;
  /** One channel variable (Getvar / GET /channels/{id}/variable); '' when absent. */
  variable(channelId: string, variable: string): Promise<string>;
  /** chan_sip's directmedia, null when unknown. */
  sipDirectMedia(peer: string): Promise<boolean | null>;
}

export interface LegReadOptions {
  /**
   * Refuse the result when the hangup arrived during the read (ARI: the 404s of a channel
   * that hung up meanwhile say nothing wrong about the leg reader).
   */
  readonly recheckGone?: boolean;
  /** Extra lines for the log when the leg was partly unreadable (ARI's failed replies). */
  readonly replies?: readonly string[];
}

/** Reads `channel` through `deps`; rejects with ChannelGoneError for a channel that hung up. */
export async function readLegThrough(
  deps: LegReadingDeps,
  channel: ChannelInfo,
  options: LegReadOptions = {},
): Promise<RtpLeg> {
  const { fanout } = deps;
  const gone = fanout.gone;
  gone.check(channel.id, channel.name);
  const facts = channel.driver === 'pjsip' ? await deps.endpointFacts(channel).catch(() => null) : null;
  const result = await readRtpLeg(
    {
      getvar: (id, variable) => gone.guard(id, channel.name, () => deps.variable(id, variable)),
      sipDirectMedia: (peer) => deps.sipDirectMedia(peer),
      heldByEvents: (id) => fanout.held.has(id),
      now: deps.now,
    },
    channel,
    {
      local: fanout.boundAddress.get(channel.id) ?? null,
      ...(facts
        ? { directMediaConfigured: facts.directMedia, encryptionConfigured: facts.mediaEncryption !== 'no' }
        : {}),
    },
  );
  if (options.recheckGone) gone.check(channel.id, channel.name);
  if (result.leg.local) fanout.boundAddress.set(channel.id, result.leg.local);
  const replies = options.replies ?? [];
  if (result.problems.length > 0 || replies.length > 0) {
    deps.logger.warn('rtp leg partly unreadable', {
      channel: channel.name,
      problems: result.problems,
      ...(options.replies ? { replies } : {}),
    });
  }
  return result.leg;
}
