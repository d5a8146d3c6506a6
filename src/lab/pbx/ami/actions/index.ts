import type { ChannelDriverName } from '../../options.js';
import { bridgeActions } from './bridge-actions.js';
import { callActions } from './call-actions.js';
import { channelActions } from './channel-actions.js';
import { pjsipActions } from './pjsip-actions.js';
import { sessionActions } from './session-actions.js';
import { systemActions } from './system-actions.js';
import { actionTable, type ActionTable } from './table.js';

/** The manager actions a PBX with this channel driver registers. */
export function buildActionTable(driver: ChannelDriverName): ActionTable {
  let table: ActionTable = new Map();
  table = actionTable([
    ...sessionActions,
    ...systemActions(() => table),
    ...channelActions,
    ...bridgeActions,
    ...callActions,
    ...(driver === 'pjsip' ? pjsipActions : []),
  ]);
  return table;
}
