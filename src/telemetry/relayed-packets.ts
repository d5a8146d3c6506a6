import { Counter, type Registry } from 'prom-client';
import type { PbxEvent } from '../model/pbx.js';

/** A jump larger than this in an RTCP sequence is a restarted stream, not packets relayed. */
const MAX_SEQUENCE_STEP = 1 << 20;

/**
 * Packets Asterisk still relays, estimated from its own RTCP receiver reports (RTCPSent): the
 * highest sequence it received, per channel and SSRC, only ever grows while it relays.
 */
export class RelayedPackets {
  /** Highest RTP sequence Asterisk reported receiving, by channel and SSRC. */
  readonly #highest = new Map<string, Map<number, number>>();
  readonly #packets: Counter;

  constructor(registers: Registry[]) {
    this.#packets = new Counter({
      name: 'rtpo_asterisk_relayed_packets_total',
      help: 'RTP packets Asterisk received and relayed, from its own RTCP receiver reports (RTCPSent).',
      registers,
    });
  }

  pbxEvent(e: PbxEvent): void {
    if (e.kind === 'rtcp-sent') {
      let streams = this.#highest.get(e.channelId);
      if (!streams) this.#highest.set(e.channelId, (streams = new Map()));
      for (const r of e.reports) {
        // The first report of a stream only sets where counting starts; a sequence that went
        // back, or leapt, is a restarted stream.
        const before = streams.get(r.sourceSsrc);
        streams.set(r.sourceSsrc, r.highestSequence);
        const step = before === undefined ? 0 : r.highestSequence - before;
        if (step > 0 && step < MAX_SEQUENCE_STEP) this.#packets.inc(step);
      }
    } else if (e.kind === 'hangup') {
      this.#highest.delete(e.channelId);
    } else if (e.kind === 'disconnected') {
      // Hangups during the outage are never heard: start over rather than keep their streams.
      this.#highest.clear();
    }
  }

  /** Channels whose streams are followed (for tests of the bound). */
  get channels(): number {
    return this.#highest.size;
  }
}
