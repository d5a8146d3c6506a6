import type { ManagerEvent } from '../ami/events.js';
import type { SimBridge, SimChannel } from '../model/objects.js';
import { ariTime, bridgeJson, channelJson } from './snapshots.js';

type Json = Record<string, unknown>;

/** What the translation reads of the PBX: the objects an event names, by id. */
export interface StasisLookup {
  channel(uniqueid: string): SimChannel | null;
  bridge(uniqueid: string): SimBridge | null;
}

/**
 * The manager events of the live model as the ARI events res_stasis publishes for the same
 * stasis messages (rest-api/api-docs/events.json), with the snapshots taken now. Events ARI
 * has no counterpart for (MusicOnHold*, MixMonitor*, LocalOptimization*, RTCP) give null.
 */
export function toAriEvent(e: ManagerEvent, look: StasisLookup, now: number): Json | null {
  const f = (name: string): string => e.fields.find(([k]) => k === name)?.[1] ?? '';
  const chan = (prefix = ''): Json | null => {
    const c = look.channel(f(`${prefix}Uniqueid`));
    return c ? channelJson(c) : null;
  };
  const bridge = (prefix = ''): Json | null => {
    const b = look.bridge(f(`${prefix}BridgeUniqueid`));
    return b ? bridgeJson(b) : null;
  };
  const head = (type: string, extra: Json): Json => ({ type, timestamp: ariTime(now), ...extra });
  const withChannel = (type: string, extra: Json = {}): Json | null => {
    const channel = chan();
    return channel ? head(type, { ...extra, channel }) : null;
  };
  const withBoth = (type: string): Json | null => {
    const b = bridge();
    const channel = chan();
    return b && channel ? head(type, { bridge: b, channel }) : null;
  };
  switch (e.name) {
    case 'Newchannel':
      return withChannel('ChannelCreated');
    case 'Newstate':
      return withChannel('ChannelStateChange');
    case 'NewConnectedLine':
      return withChannel('ChannelConnectedLine');
    case 'NewCallerid':
      return withChannel('ChannelCallerId', {
        caller_presentation: 0,
        caller_presentation_txt: 'Presentation Allowed, Not Screened',
      });
    case 'VarSet': {
      const channel = chan();
      return {
        variable: f('Variable'),
        value: f('Value'),
        ...head('ChannelVarset', channel ? { channel } : {}),
      };
    }
    case 'HangupRequest':
      return withChannel('ChannelHangupRequest', { cause: Number(f('Cause')) });
    case 'SoftHangupRequest':
      return withChannel('ChannelHangupRequest', { soft: true, cause: Number(f('Cause')) });
    case 'Hangup':
      return withChannel('ChannelDestroyed', { cause: Number(f('Cause')), cause_txt: f('Cause-txt') });
    case 'Hold':
      return withChannel('ChannelHold', f('MusicClass') ? { musicclass: f('MusicClass') } : {});
    case 'Unhold':
      return withChannel('ChannelUnhold');
    case 'BridgeCreate': {
      const b = bridge();
      return b ? head('BridgeCreated', { bridge: b }) : null;
    }
    case 'BridgeDestroy': {
      const b = bridge();
      return b ? head('BridgeDestroyed', { bridge: b }) : null;
    }
    case 'BridgeEnter':
      return withBoth('ChannelEnteredBridge');
    case 'BridgeLeave':
      return withBoth('ChannelLeftBridge');
    case 'BridgeMerge': {
      const to = bridge('To');
      const from = bridge('From');
      return to && from ? head('BridgeMerged', { bridge: to, bridge_from: from }) : null;
    }
    case 'BlindTransfer':
      return head('BridgeBlindTransfer', {
        result: f('Result'),
        ...(chan('Transferer') ? { channel: chan('Transferer') } : {}),
        ...(chan('Transferee') ? { transferee: chan('Transferee') } : {}),
        ...(bridge() ? { bridge: bridge() } : {}),
        context: f('Context'),
        exten: f('Extension'),
        is_external: f('IsExternal') === 'Yes',
      });
    case 'AttendedTransfer':
      return head('BridgeAttendedTransfer', {
        result: f('Result'),
        transferer_first_leg: chan('OrigTransferer'),
        ...(bridge('Orig') ? { transferer_first_leg_bridge: bridge('Orig') } : {}),
        transferer_second_leg: chan('SecondTransferer'),
        ...(bridge('Second') ? { transferer_second_leg_bridge: bridge('Second') } : {}),
        ...(chan('Transferee') ? { transferee: chan('Transferee') } : {}),
        ...(chan('TransferTarget') ? { transfer_target: chan('TransferTarget') } : {}),
        is_external: f('IsExternal') === 'Yes',
        destination_type: f('DestType').toLowerCase(),
        destination_bridge: f('DestBridgeUniqueid'),
      });
    default:
      return null;
  }
}
