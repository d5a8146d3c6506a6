import type { ChannelDriverName } from '../../options.js';
import { bridgeActions } from './bridge-actions.js';
import { callActions } from './call-actions.js';
import { channelActions } from './channel-actions.js';
import { configActions } from './config-actions.js';
import { pjsipActions } from './pjsip-actions.js';
import { sessionActions } from './session-actions.js';
import { systemActions } from './system-actions.js';
import { actionTable, type ActionDef, type ActionTable } from './table.js';

/** The manager actions a PBX with this channel driver registers. */
export function buildActionTable(driver: ChannelDriverName): Map<string, ActionDef> {
  let table: Map<string, ActionDef> = new Map();
  table = actionTable([
    ...sessionActions,
    ...systemActions((): ActionTable => table),
    ...channelActions,
    ...bridgeActions,
    ...callActions,
    ...(driver === 'pjsip' ? [...pjsipActions, ...configActions.filter((a) => a.name !== 'GetConfig')] : []),
    ...configActions.filter((a) => a.name === 'GetConfig'),
  ]);
  return table;
}
