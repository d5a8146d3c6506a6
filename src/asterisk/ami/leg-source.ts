/**
 * Reading one RTP leg over AMI: res_rtp_offload's listing when the module is loaded (it
 * tells what Getvar cannot: whether the remote was learned, and each leg's payload-type
 * numbers), else the CHANNEL() items by Getvar. Counts both for the stats.
 */

import type { ChannelInfo, RtpLeg } from '../../model/pbx.js';
import type { PbxEventFanout } from '../shared/event-fanout.js';
import { readLegThrough } from '../shared/leg-reading.js';
import type { AmiAction } from './connection-types.js';
import type { AmiEndpointReader } from './endpoint-reader.js';
import type { AmiLogger } from './logger.js';
import type { AmiMessage } from './message.js';

export interface LegRequests {
  request(action: AmiAction): Promise<AmiMessage>;
}

export interface ModuleLegs {
  leg(uniqueid: string): Promise<RtpLeg | null>;
}

export interface AmiLegSourceDeps {
  readonly ami: LegRequests;
  readonly module: ModuleLegs;
  readonly fanout: PbxEventFanout;
  readonly endpoints: AmiEndpointReader;
  readonly logger: AmiLogger;
  readonly now: () => number;
}

export class AmiLegSource {
  #getvars = 0;
  #reads = 0;

  constructor(private readonly deps: AmiLegSourceDeps) {}

  get getvarRequests(): number {
    return this.#getvars;
  }

  get legReads(): number {
    return this.#reads;
  }

  async read(channel: ChannelInfo): Promise<RtpLeg> {
    const { fanout, endpoints } = this.deps;
    fanout.gone.check(channel.id, channel.name);
    this.#reads++;
    const fromModule = await this.deps.module.leg(channel.id);
    if (fromModule) return fromModule;
    // The module lists no channel that hung up meanwhile: no Getvar for it either.
    fanout.gone.check(channel.id, channel.name);
    return readLegThrough(
      {
        fanout,
        logger: this.deps.logger,
        now: this.deps.now,
        endpointFacts: (c) => endpoints.endpointFacts(c),
        sipDirectMedia: (peer) => endpoints.sipDirectMedia(peer),
        variable: (id, variable) => this.#getvar(id, variable),
      },
      channel,
    );
  }

  async #getvar(channelId: string, variable: string): Promise<string> {
    this.#getvars++;
    const reply = await this.deps.ami.request({ Action: 'Getvar', Channel: channelId, Variable: variable });
    // `Value: ` with nothing after it is how a failed function reads (action_getvar).
    return reply.get('Value') ?? '';
  }
}
