import type { PbxEvent, SocketAddr } from '../../model/pbx.js';
import type { AmiLogger } from '../ami/logger.js';
import { GoneChannels } from './gone-channels.js';

/**
 * What the AMI and ARI sources do with every translated event: fold the back-to-back
 * BRIDGEPEER / BRIDGEPVTCALLID re-sets of one channel into one media-path hint, keep the
 * per-channel facts both read legs with (hold seen through events, the bound RTP address),
 * and deliver to every listener, a throwing listener never stopping the others.
 */
export class PbxEventFanout {
  /** Channels with a hold not yet undone (chan_sip has no `CHANNEL(rtp,hold)`). */
  readonly held = new Set<string>();
  /** Bound RTP address per channel: fixed for the life of the RTP instance. */
  readonly boundAddress = new Map<string, SocketAddr>();
  /** Channels whose hangup was seen: never read again. */
  readonly gone = new GoneChannels();
  readonly #listeners: ((event: PbxEvent) => void)[] = [];
  #lastHintChannel: string | null = null;

  constructor(private readonly logger: AmiLogger) {}

  on(listener: (event: PbxEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** A translated event from Asterisk. */
  deliver(event: PbxEvent): void {
    if (event.kind === 'media-path-hint') {
      if (this.#lastHintChannel === event.channelId) return;
      this.#lastHintChannel = event.channelId;
    } else {
      this.#lastHintChannel = null;
    }
    switch (event.kind) {
      case 'channel-hold':
        this.held.add(event.channelId);
        break;
      case 'channel-unhold':
        this.held.delete(event.channelId);
        break;
      case 'hangup':
        this.gone.add(event.channelId);
        this.held.delete(event.channelId);
        this.boundAddress.delete(event.channelId);
        break;
      default:
        break;
    }
    this.emit(event);
  }

  /** Lifecycle events of the source itself (`connected`, `disconnected`). */
  emit(event: PbxEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        this.logger.error('pbx event listener threw', { kind: event.kind, error: (err as Error).message });
      }
    }
  }

  /** The connection was lost: hangups may be missed, and a restarted Asterisk reuses nothing. */
  connectionLost(): void {
    // An unhold sent while down is never seen: a stale entry would keep a leg "held" for ever.
    this.held.clear();
    this.boundAddress.clear();
    this.#lastHintChannel = null;
  }
}
