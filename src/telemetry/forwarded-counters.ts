import { Counter, type Registry } from 'prom-client';
import type { BridgeStatus, LegStatus } from '../engine/engine.js';
import { MonotonicTotals } from './monotonic-totals.js';

/**
 * Packets and bytes the switch forwarded, and what Asterisk itself sent on offloaded legs, as
 * `_total` counters: a flow's counters end with the flow, so each reading adds only its increase
 * and an ended call keeps what it counted.
 */
export class ForwardedCounters {
  readonly #totals = new MonotonicTotals();
  readonly #packets: Counter;
  readonly #bytes: Counter;
  readonly #egress: Counter;

  constructor(registers: Registry[]) {
    this.#packets = new Counter({
      name: 'rtpo_switch_forwarded_packets_total',
      help: 'RTP packets the switch forwarded for offloaded calls, ended calls included.',
      registers,
    });
    this.#bytes = new Counter({
      name: 'rtpo_switch_forwarded_bytes_total',
      help: 'Bytes of RTP the switch forwarded for offloaded calls, ended calls included.',
      registers,
    });
    this.#egress = new Counter({
      name: 'rtpo_asterisk_egress_while_offloaded_packets_total',
      help: 'Packets Asterisk itself sent on legs while they were offloaded (should stay flat).',
      registers,
    });
  }

  /** The last counters of a bridge's flows that just ended; their keys are then dropped. */
  ended(bridgeId: string, counters: readonly LegStatus[]): void {
    for (const leg of counters) {
      this.add(bridgeId, leg);
      for (const what of ['p', 'b', 'e']) this.#totals.forget(`${what}/${bridgeId}/${leg.channelId}`);
    }
  }

  /** A reading of every bridge's legs; legs no longer listed are forgotten. */
  read(bridges: readonly BridgeStatus[]): void {
    const seen = new Set<string>();
    for (const b of bridges) {
      for (const leg of b.legs) {
        for (const what of ['p', 'b', 'e']) seen.add(`${what}/${b.bridgeId}/${leg.channelId}`);
        this.add(b.bridgeId, leg);
      }
    }
    this.#totals.retain(seen);
  }

  private add(bridgeId: string, leg: LegStatus): void {
    const key = `${bridgeId}/${leg.channelId}`;
    this.#packets.inc(this.#totals.increase(`p/${key}`, leg.packets));
    this.#bytes.inc(this.#totals.increase(`b/${key}`, leg.bytes));
    this.#egress.inc(this.#totals.increase(`e/${key}`, leg.asteriskEgressPackets));
  }
}
