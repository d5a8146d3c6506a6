/**
 * Reading every bridged RTP leg in one request through res_rtp_offload's `RtpOffloadList`
 * (asterisk-module/), and finding out whether the module is loaded.
 */

import type { AmiAction } from '../ami/connection.js';
import { AmiError } from '../ami/errors.js';
import type { AmiListResult } from '../ami/list-action.js';
import type { AmiMessage } from '../ami/message.js';
import { MODULE_LIST_ACTION, parseModulePairs, type ModulePairsParse } from './pairs.js';

/** The part of `AmiConnection` this needs (a stub in tests). */
export interface ModuleAmiConnection {
  request(action: AmiAction, priority?: number): Promise<AmiMessage>;
  requestList(action: AmiAction, priority?: number): Promise<AmiListResult>;
}

export interface ModuleReadOptions {
  /**
   * `native_rtp` lists only native_rtp bridges (the action's default); `all` lists every
   * two-party bridge, so simple_bridge pairs (SRTP, DTMF hooks, MixMonitor) appear too.
   */
  readonly technology?: 'native_rtp' | 'all';
  readonly now?: () => number;
  readonly priority?: number;
}

export interface ModuleRead extends ModulePairsParse {
  /** `ListItems` of the completion event; differs from the items seen if some were lost. */
  readonly listItems: number | null;
  readonly bytes: number;
}

/** One `RtpOffloadList` request, parsed. Rejects only as the connection does (AmiError & co). */
export async function readModulePairs(
  connection: ModuleAmiConnection,
  options: ModuleReadOptions = {},
): Promise<ModuleRead> {
  const action: AmiAction =
    options.technology === 'all'
      ? { Action: MODULE_LIST_ACTION, Technology: 'all' }
      : { Action: MODULE_LIST_ACTION };
  const list = await connection.requestList(action, options.priority ?? 0);
  const parsed = parseModulePairs(list.items, (options.now ?? Date.now)());
  const declared = list.complete.get('ListItems');
  const listItems = declared !== undefined && /^\d+$/.test(declared.trim()) ? Number(declared) : null;
  const problems =
    listItems !== null && listItems !== list.items.length
      ? [...parsed.problems, `ListItems ${listItems} but ${list.items.length} items received`]
      : parsed.problems;
  return { ...parsed, problems, listItems, bytes: list.bytes };
}

/** manager.c action_listcommands: one `Name: synopsis (Priv: …)` header per action. */
export function listCommandsHasModule(listCommands: AmiMessage): boolean {
  return listCommands.get(MODULE_LIST_ACTION) !== undefined;
}

/** manager.c process_message: `Invalid/unknown command: X. Use Action: ListCommands …`. */
export function isUnknownActionError(err: unknown): boolean {
  return err instanceof AmiError && /invalid\/unknown command/i.test(err.amiMessage);
}

/** `absent` also covers a login whose write= does not permit the action. */
export type ModuleDetection = 'loaded' | 'absent';

/**
 * Whether res_rtp_offload is loaded: `ListCommands` names the action when the login may
 * use it (manager.c lists only actions the session's write= permits). If ListCommands is
 * refused or does not name it, the action itself is tried once: an unknown-action error
 * means absent, a list reply means loaded. Other failures (disconnects, timeouts) reject,
 * since they say nothing about the module.
 */
export async function detectModule(connection: ModuleAmiConnection): Promise<ModuleDetection> {
  try {
    const commands = await connection.request({ Action: 'ListCommands' });
    if (listCommandsHasModule(commands)) return 'loaded';
  } catch (err) {
    if (!(err instanceof AmiError)) throw err;
  }
  try {
    await connection.requestList({ Action: MODULE_LIST_ACTION });
    return 'loaded';
  } catch (err) {
    if (isUnknownActionError(err)) return 'absent';
    if (err instanceof AmiError && /permission denied/i.test(err.amiMessage)) return 'absent';
    throw err;
  }
}
