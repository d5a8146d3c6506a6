/**
 * pjsip endpoint facts over ARI, from the sorcery object (endpoint-facts.ts), reused for a
 * while; null when Asterisk refuses that request. `GET /endpoints/PJSIP/{name}` carries no
 * option, so there is no other ARI source for rtp_timeout, ice_support, rtcp_mux or tos_audio.
 */

import type { ChannelInfo, EndpointFacts } from '../../model/pbx.js';
import type { AmiLogger } from '../ami/logger.js';
import type { MalformedTally } from '../shared/malformed-inputs.js';
import { TtlCache } from '../shared/ttl-cache.js';
import { endpointFactsFromConfigTuples } from './endpoint-facts.js';
import { AriHttpError } from './errors.js';
import type { AriReply } from './http.js';

export interface EndpointGets {
  get(path: string): Promise<AriReply>;
}

export class AriEndpointReader {
  readonly #cache: TtlCache<EndpointFacts | null>;

  constructor(
    private readonly http: EndpointGets,
    private readonly malformed: MalformedTally,
    private readonly logger: AmiLogger,
    options: { readonly ttlMs: number; readonly now: () => number },
  ) {
    this.#cache = new TtlCache(options.ttlMs, options.now);
  }

  /** A restarted Asterisk may have been configured otherwise. */
  clear(): void {
    this.#cache.clear();
  }

  endpointFacts(channel: ChannelInfo): Promise<EndpointFacts | null> {
    if (channel.driver !== 'pjsip' || !channel.endpoint) return Promise.resolve(null);
    return this.#cache.get(channel.endpoint, (name) => this.#read(name));
  }

  async #read(endpoint: string): Promise<EndpointFacts | null> {
    const path = `/asterisk/config/dynamic/res_pjsip/endpoint/${encodeURIComponent(endpoint)}`;
    let body: unknown;
    try {
      body = (await this.http.get(path)).body;
    } catch (err) {
      if (err instanceof AriHttpError) {
        this.logger.warn('endpoint configuration not readable over ARI', {
          endpoint,
          status: err.status,
          message: err.ariMessage,
        });
        return null;
      }
      throw err;
    }
    const r = endpointFactsFromConfigTuples(endpoint, body);
    if (r.kind === 'malformed') {
      this.malformed.note('endpoint configuration', `${endpoint}: ${r.problems.join('; ')}`);
      return null;
    }
    return r.facts;
  }
}
