import type { SimChannel } from './channel.js';

export type Technology = 'simple_bridge' | 'native_rtp';

/** A basic bridge (the class Dial creates) and its current technology. */
export class SimBridge {
  technology: Technology = 'simple_bridge';
  /** native_rtp glue result: local p2p relay or direct media (re-INVITEd endpoints). */
  nativeMode: 'local' | 'remote' | null = null;
  readonly channels: SimChannel[] = [];
  readonly subclass = 'basic';
  readonly creator = '';
  readonly name = '';
  readonly videoSourceMode = 'none';
  destroyed = false;
  /** Pending technology re-evaluation (smart_bridge_operation runs a moment later). */
  reconfigureTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly uniqueid: string,
    readonly createdAt: number,
  ) {}
}
