/**
 * Collecting the reply of an AMI list action. Asterisk answers `Response: Success` +
 * `EventList: start` (astman_send_listack), then one event per item carrying the ActionID,
 * then a completion event with `EventList: Complete` and `ListItems: N`
 * (astman_send_list_complete_start). asterisk-manager hands only the acknowledgement to the
 * action callback (issues #20, #23); the items and the completion come as 'managerevent's.
 */

import type { AmiMessage } from './message.js';

export interface AmiListResult {
  /** The "… will follow" acknowledgement. */
  readonly ack: AmiMessage;
  /** Item events in arrival order (the completion event excluded). */
  readonly items: readonly AmiMessage[];
  /** The `EventList: Complete` event (BridgeInfoComplete also carries the bridge block). */
  readonly complete: AmiMessage;
  /** Estimated bytes of the whole reply. */
  readonly bytes: number;
}

export function isListComplete(msg: AmiMessage): boolean {
  return msg.get('EventList')?.trim().toLowerCase() === 'complete';
}

/** Gathers one list reply; the ack and the items may be seen in either order. */
export class ListCollector {
  private ack: AmiMessage | null = null;
  private complete: AmiMessage | null = null;
  private readonly items: AmiMessage[] = [];

  /** Returns the result once both the ack and the completion have been seen. */
  onAck(ack: AmiMessage): AmiListResult | null {
    this.ack = ack;
    return this.result();
  }

  onItem(item: AmiMessage): AmiListResult | null {
    if (isListComplete(item)) this.complete = item;
    else this.items.push(item);
    return this.result();
  }

  get itemCount(): number {
    return this.items.length;
  }

  private result(): AmiListResult | null {
    if (!this.ack || !this.complete) return null;
    const bytes = this.items.reduce((n, m) => n + m.bytes, this.ack.bytes + this.complete.bytes);
    return { ack: this.ack, items: this.items, complete: this.complete, bytes };
  }
}
