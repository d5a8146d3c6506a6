import { type SimBridge, stateDescription, type SimChannel } from '../model/objects.js';
import type { AmiField } from './message.js';

const orUnknown = (s: string): string => (s === '' ? '<unknown>' : s);

/**
 * ast_manager_build_channel_state_string_prefix (main/manager_channels.c). Caller and
 * connected line print `<unknown>` when empty; AccountCode prints empty.
 */
export function channelBlock(c: SimChannel, prefix = ''): AmiField[] {
  return [
    [`${prefix}Channel`, c.name],
    [`${prefix}ChannelState`, String(c.state)],
    [`${prefix}ChannelStateDesc`, stateDescription(c.state)],
    [`${prefix}CallerIDNum`, orUnknown(c.callerNum)],
    [`${prefix}CallerIDName`, orUnknown(c.callerName)],
    [`${prefix}ConnectedLineNum`, orUnknown(c.connectedNum)],
    [`${prefix}ConnectedLineName`, orUnknown(c.connectedName)],
    [`${prefix}Language`, c.language],
    [`${prefix}AccountCode`, c.accountCode],
    [`${prefix}Context`, c.context],
    [`${prefix}Exten`, c.exten],
    [`${prefix}Priority`, String(c.priority)],
    [`${prefix}Uniqueid`, c.uniqueid],
    [`${prefix}Linkedid`, c.linkedid],
  ];
}

/** ast_manager_build_bridge_state_string_prefix (main/manager_bridges.c). */
export function bridgeBlock(b: SimBridge, prefix = ''): AmiField[] {
  return [
    [`${prefix}BridgeUniqueid`, b.uniqueid],
    [`${prefix}BridgeType`, b.subclass],
    [`${prefix}BridgeTechnology`, b.technology],
    [`${prefix}BridgeCreator`, orUnknown(b.creator)],
    [`${prefix}BridgeName`, orUnknown(b.name)],
    [`${prefix}BridgeNumChannels`, String(b.channels.length)],
    [`${prefix}BridgeVideoSourceMode`, b.videoSourceMode],
  ];
}
