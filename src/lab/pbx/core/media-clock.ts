import * as ev from '../ami/events.js';
import type { PbxContext } from './context.js';

/** 20 ms of G.711 silence: what music on hold sounds like here. */
const MOH_FRAME = { ulaw: Buffer.alloc(160, 0xff), alaw: Buffer.alloc(160, 0xd5) } as const;
const TICK_MS = 20;
const DUTY_EVERY_TICKS = 10;

/** Media clock: music on hold every 20 ms; RTCP, keepalives and rtp_timeout every 200 ms. */
export class MediaClock {
  private ticker: NodeJS.Timeout | null = null;
  private tickCount = 0;

  constructor(private readonly ctx: PbxContext) {}

  start(): void {
    this.ticker ??= setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private tick(): void {
    const s = this.ctx.state;
    const now = Date.now();
    const duty = ++this.tickCount % DUTY_EVERY_TICKS === 0;
    for (const c of [...s.byUniqueid.values()]) {
      if (!c.leg) continue;
      if (c.hearingMoh) c.leg.writeGenerated(c.leg.codec === 'alaw' ? MOH_FRAME.alaw : MOH_FRAME.ulaw, false);
      if (!duty || c.directMedia) continue;
      c.leg.tick(now, c.endpoint.rtpKeepalive * 1000);
      // res_pjsip_sdp_rtp rtp_check_timeout: Up, not direct media, nothing received.
      const timeout = c.remoteHold ? c.endpoint.rtpTimeoutHold : c.endpoint.rtpTimeout;
      if (timeout > 0 && c.isUp && now - c.leg.lastRxMs >= timeout * 1000) {
        // ast_softhangup(chan, AST_SOFTHANGUP_DEV) publishes the flag as the cause.
        this.ctx.faults.during(c, () => {
          s.emit(ev.softHangupRequest(c, 1));
          this.ctx.channels.hangup(c, 44);
        });
      }
    }
  }
}
