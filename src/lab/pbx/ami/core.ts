import type { SimBridge, SimChannel } from '../model/objects.js';
import type { ChannelDriverName, ResolvedEndpoint } from '../options.js';
import type { ManagerEvent } from './events.js';

export type TransferResult = 'Success' | 'Fail' | 'Invalid' | 'Not Permitted';

/** What AMI actions need from the PBX; implemented by SimulatedPbx. */
export interface PbxCore {
  readonly driver: ChannelDriverName;
  /** ast_channel_get_by_name: the name (case-insensitive), else the Uniqueid. */
  findChannel(nameOrUniqueid: string): SimChannel | null;
  channels(): readonly SimChannel[];
  bridges(): readonly SimBridge[];
  findBridge(uniqueid: string): SimBridge | null;
  endpoint(name: string): ResolvedEndpoint | null;
  /** Every configured endpoint, by name (PJSIPShowEndpoints). */
  endpointNames(): readonly string[];
  /** rtp.conf [general] as configured (GetConfig). */
  rtpConfig(): {
    readonly portRange: readonly [number, number];
    readonly rtcpIntervalMs: number;
    readonly strictRtp: boolean;
  };
  /** The SIP transport's bind address (TransportDetail `Bind`, without the port). */
  sipBindAddress(): string;
  startupTime(): Date;
  reloadTime(): Date;
  processedCalls(): number;
  /** Getvar: a function's or variable's value; `''` when the read fails. */
  readVariable(channel: SimChannel | null, name: string): string;
  setVariable(channel: SimChannel | null, name: string, value: string): void;
  hangupChannel(channel: SimChannel, cause: number): void;
  startMixMonitor(channel: SimChannel): boolean;
  stopMixMonitor(channel: SimChannel): boolean;
  blindTransfer(transferer: SimChannel, exten: string, context: string): TransferResult;
  attendedTransferByExten(transferer: SimChannel, exten: string, context: string): boolean;
  emit(event: ManagerEvent): void;
}
