import type { PbxCore } from '../core.js';
import { getHeader, type AmiMessage } from '../message.js';
import { mayRunAction } from '../privileges.js';
import { error } from '../replies.js';
import type { AmiSession } from '../session.js';

export interface ActionContext {
  readonly session: AmiSession;
  readonly msg: AmiMessage;
  readonly core: PbxCore;
}

/** One registered manager action (ast_manager_register_xml). */
export interface ActionDef {
  readonly name: string;
  /** EVENT_FLAG_* the user's `write=` must overlap; 0 = any logged-in user. */
  readonly authority: number;
  readonly synopsis: string;
  /**
   * Registered by a module without XML documentation: ListCommands shows one blank before
   * `(Priv:` (the XML synopses of the core carry a trailing blank, hence their two).
   */
  readonly undocumented?: boolean;
  run(ctx: ActionContext): void | Promise<void>;
}

/** Actions by lower-cased name; action names are matched case-insensitively. */
export type ActionTable = ReadonlyMap<string, ActionDef>;

export function actionTable(defs: readonly ActionDef[]): Map<string, ActionDef> {
  const sorted = [...defs].sort((a, b) => a.name.localeCompare(b.name, 'en'));
  return new Map(sorted.map((d) => [d.name.toLowerCase(), d]));
}

/**
 * ast_manager_register/unregister at run time (a module loaded or unloaded): the table is
 * changed in place, so every holder sees it, and stays in name order like ListCommands.
 */
export function updateActions(
  table: Map<string, ActionDef>,
  add: readonly ActionDef[],
  removeNames: readonly string[] = [],
): void {
  const gone = new Set(removeNames.map((n) => n.toLowerCase()));
  const next = actionTable([...[...table.values()].filter((d) => !gone.has(d.name.toLowerCase())), ...add]);
  table.clear();
  for (const [k, v] of next) table.set(k, v);
}

/** process_message: login gate, unknown action, authority check, then the handler. */
export async function dispatchAction(table: ActionTable, ctx: ActionContext): Promise<void> {
  const { session, msg } = ctx;
  const name = getHeader(msg, 'Action');
  if (name === '') {
    session.send(error(msg, 'Missing action in request'));
    return;
  }
  if (!session.authenticated) {
    session.send(error(msg, 'Permission denied'));
    return;
  }
  const def = table.get(name.toLowerCase());
  if (!def) {
    session.send(
      error(msg, `Invalid/unknown command: ${name}. Use Action: ListCommands to show available commands.`),
    );
    return;
  }
  if (!mayRunAction(session.writePerm, def.authority)) {
    session.send(error(msg, 'Permission denied'));
    return;
  }
  await def.run(ctx);
}
