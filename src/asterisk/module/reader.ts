/**
 * Reading every bridged RTP leg in one request through res_rtp_offload's `RtpOffloadList`
 * (asterisk-module/), and finding out whether the module is loaded.
 */

import type { AmiAction } from '../ami/connection.js';
import { AmiError } from '../ami/errors.js';
import type { AmiListResult } from '../ami/list-action.js';
import type { AmiMessage } from '../ami/message.js';
import { MODULE_LIST_ACTION, parseModulePairs, type ModulePairsParse } from './pairs.js';
import { systemClock } from '../../time/clock.js';

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
  /**
   * Only these bridges (`BridgeUniqueid:`). With `uniqueids` the filters add up (union).
   * Giving either option, even empty, filters: no ids at all means no request and no pairs.
   */
  readonly bridgeIds?: readonly string[];
  /** Only the bridges holding these channels (`Uniqueid:`, channel Uniqueids). */
  readonly uniqueids?: readonly string[];
  readonly now?: () => number;
  readonly priority?: number;
}

export interface ModuleRead extends ModulePairsParse {
  /**
   * Sum of the `ListItems` of the completion events; differs from the items seen if some
   * were lost. Null when a completion event did not carry a count.
   */
  readonly listItems: number | null;
  readonly bytes: number;
  /** `RtpOffloadList` requests sent: 1 unfiltered, one per chunk filtered, 0 with no ids. */
  readonly requests: number;
}

/**
 * Ids per request. The module refuses more than its MAX_FILTER_IDS (res_rtp_offload.c): 64
 * now, 256 in builds before that bound was lowered, so 64 suits both.
 */
export const MODULE_MAX_FILTER_IDS = 64;

/**
 * Longest header line (`Name: value` and CRLF) one request may carry: Asterisk reads AMI input
 * into a 1024-byte line buffer and drops a message with a longer line (manager.c get_input),
 * and `AmiConnection` refuses such an action before sending it. 64 bridge ids (36 characters
 * each) need about 2.4 KB, so a chunk ends at whichever limit comes first.
 */
export const MODULE_MAX_LINE_BYTES = 1024;

/** Longest id the module considers (AST_MAX_UNIQUEID 152, with its terminating NUL). */
const MAX_ID_LENGTH = 151;

const BRIDGE_HEADER = 'BridgeUniqueid';
const CHANNEL_HEADER = 'Uniqueid';

/** The requests a read sends, and why ids were left out. */
export interface ModuleListPlan {
  readonly actions: readonly AmiAction[];
  /** One line per id that cannot be sent (empty after trimming, a comma, a control character, too long). */
  readonly problems: readonly string[];
}

/** Trimmed, valid, distinct ids in their first order; invalid ones are reported. */
function cleanIds(ids: readonly string[], header: string, problems: string[]): string[] {
  const out = new Set<string>();
  for (const raw of ids) {
    const id = raw.trim();
    // A comma would split the id in two; CR or LF would end the header line.
    if (id === '' || /[,\p{Cc}]/u.test(id) || Buffer.byteLength(id) > MAX_ID_LENGTH) {
      problems.push(`${header} ${JSON.stringify(raw.slice(0, 40))} left out: not a usable id`);
      continue;
    }
    out.add(id);
  }
  return [...out];
}

/**
 * Takes ids from the front of `queue` for one header line: as many as fit the line and the
 * request's remaining id budget.
 */
function takeLine(queue: string[], header: string, budget: number): string[] {
  const taken: string[] = [];
  let bytes = Buffer.byteLength(`${header}: \r\n`);
  while (queue.length > 0 && taken.length < budget) {
    const next = Buffer.byteLength(queue[0]!) + (taken.length > 0 ? 1 : 0);
    if (bytes + next > MODULE_MAX_LINE_BYTES) break;
    bytes += next;
    taken.push(queue.shift()!);
  }
  return taken;
}

/**
 * The `RtpOffloadList` actions for a read. Without `bridgeIds` and `uniqueids`: one action
 * listing everything. With them: the ids, trimmed and deduplicated, joined with commas into
 * `BridgeUniqueid` and `Uniqueid` headers, split over as many actions as needed so that each
 * carries at most {@link MODULE_MAX_FILTER_IDS} ids and no header line exceeds
 * {@link MODULE_MAX_LINE_BYTES}. Since the filters add up, any split lists the same bridges.
 */
export function planModuleList(options: ModuleReadOptions = {}): ModuleListPlan {
  const base: AmiAction =
    options.technology === 'all'
      ? { Action: MODULE_LIST_ACTION, Technology: 'all' }
      : { Action: MODULE_LIST_ACTION };
  if (options.bridgeIds === undefined && options.uniqueids === undefined) {
    return { actions: [base], problems: [] };
  }
  const problems: string[] = [];
  const bridges = cleanIds(options.bridgeIds ?? [], BRIDGE_HEADER, problems);
  const channels = cleanIds(options.uniqueids ?? [], CHANNEL_HEADER, problems);
  const actions: AmiAction[] = [];
  while (bridges.length > 0 || channels.length > 0) {
    const b = takeLine(bridges, BRIDGE_HEADER, MODULE_MAX_FILTER_IDS);
    const c = takeLine(channels, CHANNEL_HEADER, MODULE_MAX_FILTER_IDS - b.length);
    actions.push({
      ...base,
      ...(b.length > 0 ? { [BRIDGE_HEADER]: b.join(',') } : {}),
      ...(c.length > 0 ? { [CHANNEL_HEADER]: c.join(',') } : {}),
    });
  }
  return { actions, problems };
}

/** ListItems of a completion event, or null. */
function declaredItems(list: AmiListResult): number | null {
  const declared = list.complete.get('ListItems');
  return declared !== undefined && /^\d+$/.test(declared.trim()) ? Number(declared) : null;
}

/**
 * One `RtpOffloadList` request (or one per chunk of ids, sent together), parsed. A bridge
 * found by more than one chunk (by its id in one, by a channel in another) is kept once, as
 * first received. Rejects only as the connection does (AmiError & co).
 */
export async function readModulePairs(
  connection: ModuleAmiConnection,
  options: ModuleReadOptions = {},
): Promise<ModuleRead> {
  const plan = planModuleList(options);
  const lists = await Promise.all(
    plan.actions.map((action) => connection.requestList(action, options.priority ?? 0)),
  );
  const problems: string[] = [...plan.problems];
  const seen = new Set<string>();
  const items: AmiMessage[] = [];
  let listItems: number | null = 0;
  let bytes = 0;
  for (const list of lists) {
    const declared = declaredItems(list);
    if (declared !== null && declared !== list.items.length) {
      problems.push(`ListItems ${declared} but ${list.items.length} items received`);
    }
    listItems = listItems === null || declared === null ? null : listItems + declared;
    bytes += list.bytes;
    for (const item of list.items) {
      const id = item.get('BridgeUniqueid')?.trim();
      if (id) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      items.push(item);
    }
  }
  const parsed = parseModulePairs(items, (options.now ?? systemClock.now)());
  return {
    ...parsed,
    problems: [...parsed.problems, ...problems],
    listItems,
    bytes,
    requests: plan.actions.length,
  };
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
