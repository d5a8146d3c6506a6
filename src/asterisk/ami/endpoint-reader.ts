/**
 * Endpoint configuration read over AMI and reused for a while: pjsip endpoints from
 * PJSIPShowEndpoint (EndpointDetail), chan_sip peers' directmedia from SIPshowpeer.
 */

import type { ChannelInfo, EndpointFacts } from '../../model/pbx.js';
import type { MalformedTally } from '../shared/malformed-inputs.js';
import { TtlCache } from '../shared/ttl-cache.js';
import type { AmiAction } from './connection-types.js';
import { endpointFactsFromDetail, sipPeerDirectMedia } from './endpoint-facts.js';
import { AmiError } from './errors.js';
import type { AmiListResult } from './list-action.js';
import type { AmiLogger } from './logger.js';
import type { AmiMessage } from './message.js';

export interface EndpointRequests {
  request(action: AmiAction): Promise<AmiMessage>;
  requestList(action: AmiAction): Promise<AmiListResult>;
}

export interface AmiEndpointReaderOptions {
  readonly ttlMs: number;
  readonly now: () => number;
  readonly logger: AmiLogger;
}

export class AmiEndpointReader {
  readonly #endpoints: TtlCache<EndpointFacts | null>;
  readonly #sipPeers: TtlCache<boolean | null>;

  constructor(
    private readonly ami: EndpointRequests,
    private readonly malformed: MalformedTally,
    private readonly options: AmiEndpointReaderOptions,
  ) {
    this.#endpoints = new TtlCache(options.ttlMs, options.now);
    this.#sipPeers = new TtlCache(options.ttlMs, options.now);
  }

  /** A restarted Asterisk may have been configured otherwise. */
  clear(): void {
    this.#endpoints.clear();
    this.#sipPeers.clear();
  }

  endpointFacts(channel: ChannelInfo): Promise<EndpointFacts | null> {
    if (channel.driver !== 'pjsip' || !channel.endpoint) return Promise.resolve(null);
    return this.#endpoints.get(channel.endpoint, (name) => this.#pjsipEndpointFacts(name));
  }

  /** chan_sip: the peer's directmedia; null when chan_sip is not loaded or the peer unknown. */
  sipDirectMedia(peer: string): Promise<boolean | null> {
    return this.#sipPeers.get(peer, async (name) => {
      try {
        return sipPeerDirectMedia(await this.ami.request({ Action: 'SIPshowpeer', Peer: name }));
      } catch (err) {
        if (err instanceof AmiError) return null;
        throw err;
      }
    });
  }

  async #pjsipEndpointFacts(endpoint: string): Promise<EndpointFacts | null> {
    const reply = await this.ami.requestList({ Action: 'PJSIPShowEndpoint', Endpoint: endpoint });
    const detail = reply.items.find((m) => m.eventName?.toLowerCase() === 'endpointdetail');
    if (!detail) {
      this.options.logger.warn('PJSIPShowEndpoint without EndpointDetail', { endpoint });
      return null;
    }
    const r = endpointFactsFromDetail(detail);
    if (r.kind === 'malformed') {
      this.malformed.note('list item', `EndpointDetail: ${r.problems.join('; ')}`);
      return null;
    }
    return r.facts;
  }
}
