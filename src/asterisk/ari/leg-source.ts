/**
 * Reading one RTP leg over ARI: the AMI leg reader with `GET /channels/{id}/variable` as its
 * Getvar, so the same CHANNEL() items, the same skip rule (src once per channel; direct and
 * secure only when the endpoint is configured for them) and the same value parsers. Rejects
 * with AriNotFoundError when the channel is gone.
 */

import type { ChannelInfo, RtpLeg } from '../../model/pbx.js';
import type { AmiLogger } from '../ami/logger.js';
import type { PbxEventFanout } from '../shared/event-fanout.js';
import { readLegThrough } from '../shared/leg-reading.js';
import type { AriEndpointReader } from './endpoint-reader.js';
import type { AriHttp } from './http.js';
import { readChannelVariable } from './variable-values.js';

export interface AriLegSourceDeps {
  readonly http: AriHttp;
  readonly fanout: PbxEventFanout;
  readonly endpoints: AriEndpointReader;
  readonly logger: AmiLogger;
  readonly now: () => number;
}

export class AriLegSource {
  #variableReads = 0;
  #reads = 0;

  constructor(private readonly deps: AriLegSourceDeps) {}

  get variableReads(): number {
    return this.#variableReads;
  }

  get legReads(): number {
    return this.#reads;
  }

  async read(channel: ChannelInfo): Promise<RtpLeg> {
    const { fanout, endpoints, http } = this.deps;
    fanout.gone.check(channel.id, channel.name);
    this.#reads++;
    const failed: string[] = [];
    return readLegThrough(
      {
        fanout,
        logger: this.deps.logger,
        now: this.deps.now,
        endpointFacts: (c) => endpoints.endpointFacts(c),
        // chan_sip's peer settings (SIPshowpeer) have no ARI counterpart: direct media
        // unknown, which the reader takes as on (the unsafe value).
        sipDirectMedia: () => Promise.resolve(null),
        variable: (id, variable) => {
          this.#variableReads++;
          return readChannelVariable(http, id, variable, (why) => failed.push(why));
        },
      },
      channel,
      // 404s of a channel that hung up while it was read say nothing wrong.
      { recheckGone: true, replies: failed },
    );
  }
}
