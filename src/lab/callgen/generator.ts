import { RtpEndpoint, type EndpointOptions, type EndpointStats } from './endpoint.js';

const MAX_SLOTS_PER_RUN = 3;
const MAX_LAG_MS = 60;

export interface CallGeneratorOptions {
  /** Packet interval. @default 20 */
  readonly ptimeMs?: number;
  /** Clock resolution: endpoints are spread over `ptimeMs / slotMs` slots. @default 1 */
  readonly slotMs?: number;
}

export interface GeneratorTotals {
  readonly endpoints: number;
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly reordered: number;
  readonly rtcpSent: number;
  readonly rtcpReceived: number;
  /** Milliseconds of sending skipped because the event loop was late by more than 60 ms. */
  readonly skippedMs: number;
}

/**
 * Many RTP endpoints on one clock. Each endpoint owns a slot of a timing wheel, so the
 * packets of all streams are spread evenly over the 20 ms interval instead of leaving in
 * one burst (OVS's userspace datapath drops bursts). One timer drives everything; when
 * the event loop was late the missed slots are caught up in order.
 */
export class CallGenerator {
  private readonly ptime: number;
  private readonly slotMs: number;
  private readonly slots: RtpEndpoint[][];
  private readonly all = new Set<RtpEndpoint>();
  private timer: NodeJS.Timeout | null = null;
  private nextSlotAt = 0;
  private slotIdx = 0;
  private placed = 0;
  /** Clock time given up because the event loop was late (those packets were not sent). */
  private skippedMs = 0;

  constructor(o: CallGeneratorOptions = {}) {
    this.ptime = o.ptimeMs ?? 20;
    this.slotMs = o.slotMs ?? 1;
    this.slots = Array.from({ length: Math.max(1, Math.round(this.ptime / this.slotMs)) }, () => []);
  }

  add(options: EndpointOptions): RtpEndpoint {
    const ep = new RtpEndpoint(options);
    // Round-robin over the slots keeps every slot equally loaded.
    this.slots[this.placed++ % this.slots.length]!.push(ep);
    this.all.add(ep);
    return ep;
  }

  start(): void {
    if (this.timer) return;
    this.nextSlotAt = performance.now();
    this.timer = setInterval(() => this.run(), this.slotMs);
  }

  private run(): void {
    const now = performance.now();
    const wall = Date.now();
    // A late timer catches up at most MAX_SLOTS_PER_RUN slots at a time (a bounded rate
    // increase instead of a burst); a backlog beyond MAX_LAG_MS is given up.
    if (now - this.nextSlotAt > MAX_LAG_MS) {
      this.skippedMs += now - this.nextSlotAt;
      this.nextSlotAt = now;
    }
    for (let n = 0; n < MAX_SLOTS_PER_RUN && this.nextSlotAt <= now; n++) {
      for (const ep of this.slots[this.slotIdx]!) ep.tick(wall);
      this.slotIdx = (this.slotIdx + 1) % this.slots.length;
      this.nextSlotAt += this.slotMs;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  endpoints(): RtpEndpoint[] {
    return [...this.all];
  }

  totals(): GeneratorTotals {
    let sent = 0;
    let received = 0;
    let lost = 0;
    let duplicated = 0;
    let reordered = 0;
    let rtcpSent = 0;
    let rtcpReceived = 0;
    for (const ep of this.all) {
      const s: EndpointStats = ep.stats();
      sent += s.sent;
      received += s.received;
      lost += s.lost;
      duplicated += s.duplicated;
      reordered += s.reordered;
      rtcpSent += s.rtcpSent;
      rtcpReceived += s.rtcpReceived;
    }
    return {
      endpoints: this.all.size,
      sent,
      received,
      lost,
      duplicated,
      reordered,
      rtcpSent,
      rtcpReceived,
      skippedMs: Math.round(this.skippedMs),
    };
  }

  /** Stops the clock and closes every endpoint's sockets. */
  close(): void {
    this.stop();
    for (const ep of this.all) ep.close();
    this.all.clear();
    for (const s of this.slots) s.length = 0;
  }
}
