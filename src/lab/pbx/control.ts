import type { LegName, PartySpec, PlaceCallSpec, SimCall, SimLegInfo } from './call.js';
import { PbxError } from './errors.js';
import type { HostPort } from './rtp/address.js';
import type { RelayStats, SimulatedPbx } from './pbx.js';

/**
 * The scenario API as messages, for a PBX running as its own process (`main.ts`): the
 * parent sends a request over the IPC channel and gets one reply with the same id.
 */
export type ControlRequest =
  | { readonly op: 'placeCall'; readonly spec: PlaceCallSpec }
  | {
      readonly op: 'hangup';
      readonly callId: string;
      readonly leg?: LegName;
      readonly cause?: number;
      readonly techCause?: number;
    }
  | {
      readonly op: 'hold' | 'unhold' | 'startMixMonitor' | 'stopMixMonitor';
      readonly callId: string;
      readonly leg: LegName;
    }
  | { readonly op: 'reinvite'; readonly callId: string; readonly leg: LegName; readonly remote: HostPort }
  | { readonly op: 'setDirectMedia'; readonly callId: string; readonly on: boolean }
  | {
      readonly op: 'blindTransfer';
      readonly callId: string;
      readonly transferer: LegName;
      readonly target: PartySpec;
    }
  | {
      readonly op: 'attendedTransfer';
      readonly held: { readonly callId: string; readonly transferer: LegName };
      readonly consult: { readonly callId: string; readonly transferer: LegName };
      readonly mode?: 'swap' | 'merge';
    }
  | {
      readonly op: 'dropNextHangup';
      readonly callId: string;
      readonly leg: LegName;
      readonly scope?: 'channel' | 'call';
    }
  | { readonly op: 'moduleLoad' | 'moduleUnload'; readonly module?: string }
  | { readonly op: 'moduleReload'; readonly module?: string }
  | { readonly op: 'calls' | 'relayStats' | 'restart' | 'stop' | 'amiAddress' | 'ariAddress' };

/** A call as it crosses the process boundary. */
export interface CallView {
  readonly id: string;
  readonly bridgeId: string;
  readonly technology: string;
  readonly caller: SimLegInfo;
  readonly callee: SimLegInfo;
  readonly relayed: { readonly packets: number; readonly cpuMs: number };
}

export type ControlResult =
  CallView | CallView[] | RelayStats | { host: string; port: number } | boolean | null;

export interface ControlEnvelope {
  readonly id: number;
  readonly request: ControlRequest;
}

export type ControlReply =
  | { readonly id: number; readonly ok: true; readonly result: ControlResult }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

export function viewOf(c: SimCall): CallView {
  return {
    id: c.id,
    bridgeId: c.bridgeId,
    technology: c.technology,
    caller: c.caller,
    callee: c.callee,
    relayed: c.relayed(),
  };
}

/** Runs one request against a PBX in this process. */
export async function handleControl(pbx: SimulatedPbx, req: ControlRequest): Promise<ControlResult> {
  const find = (id: string): SimCall => {
    const c = pbx.calls().find((x) => x.id === id);
    if (!c) throw new PbxError('PBX_NO_SUCH_CALL', `no call ${id}`);
    return c;
  };
  switch (req.op) {
    case 'placeCall':
      return viewOf(await pbx.placeCall(req.spec));
    case 'hangup':
      find(req.callId).hangup({ leg: req.leg, cause: req.cause, techCause: req.techCause });
      return null;
    case 'hold':
      find(req.callId).hold(req.leg);
      return null;
    case 'unhold':
      find(req.callId).unhold(req.leg);
      return null;
    case 'startMixMonitor':
      find(req.callId).startMixMonitor(req.leg);
      return null;
    case 'stopMixMonitor':
      find(req.callId).stopMixMonitor(req.leg);
      return null;
    case 'reinvite':
      find(req.callId).reinvite(req.leg, req.remote);
      return null;
    case 'setDirectMedia':
      find(req.callId).setDirectMedia(req.on);
      return null;
    case 'blindTransfer':
      return viewOf(await find(req.callId).blindTransfer(req.transferer, req.target));
    case 'attendedTransfer':
      return viewOf(
        pbx.attendedTransfer(
          { call: find(req.held.callId), transferer: req.held.transferer },
          { call: find(req.consult.callId), transferer: req.consult.transferer },
          req.mode ?? 'swap',
        ),
      );
    case 'calls':
      return pbx.calls().map(viewOf);
    case 'relayStats':
      return pbx.relayStats();
    case 'restart':
      await pbx.restart();
      return null;
    case 'dropNextHangup':
      pbx.faults.dropNextHangup(find(req.callId)[req.leg].uniqueid, req.scope);
      return null;
    case 'moduleLoad':
      return pbx.modules.load(req.module);
    case 'moduleUnload':
      return pbx.modules.unload(req.module);
    case 'moduleReload':
      pbx.modules.reload(req.module);
      return null;
    case 'amiAddress':
      return pbx.amiAddress();
    case 'ariAddress':
      return pbx.ariAddress();
    case 'stop':
      await pbx.stop();
      return null;
  }
}
