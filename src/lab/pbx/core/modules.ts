import { RTP_OFFLOAD_MODULE, rtpOffloadListAction } from '../ami/actions/module-actions.js';
import { updateActions, type ActionDef } from '../ami/actions/table.js';
import type { ManagerEvent } from '../ami/events.js';
import { PbxError } from '../errors.js';
import { EventClass } from '../ami/privileges.js';
import type { PbxState } from './state.js';

/** The modules this PBX can load and unload at run time, and the actions each registers. */
const LOADABLE: Readonly<Record<string, readonly ActionDef[]>> = {
  [RTP_OFFLOAD_MODULE]: [rtpOffloadListAction],
};

/** main/loader.c publish_load_message / publish_unload_message / publish_reload_message. */
const moduleEvent = (name: 'Load' | 'Unload' | 'Reload', module: string, status: string): ManagerEvent => ({
  name,
  category: EventClass.system,
  fields: [
    ['Module', module],
    ['Status', status],
  ],
});

/** AST_MODULE_RELOAD_SUCCESS / AST_MODULE_RELOAD_NOT_FOUND, printed as numbers ("%u"). */
const RELOAD_SUCCESS = '0';
const RELOAD_NOT_FOUND = '2';

/**
 * `module load|unload|reload` from the CLI: while a module is unloaded its actions are
 * gone, so AMI answers them as unknown commands, exactly as Asterisk does.
 */
export class ModuleLoader {
  private readonly loaded = new Set<string>();

  constructor(
    private readonly s: PbxState,
    private readonly actions: Map<string, ActionDef>,
  ) {}

  isLoaded(module: string): boolean {
    return this.loaded.has(module);
  }

  /** `module load <name>`: registers its actions, then the Load event. False if loaded. */
  load(module: string = RTP_OFFLOAD_MODULE): boolean {
    const defs = LOADABLE[module];
    if (!defs) throw new PbxError('PBX_BAD_OPTION', `no loadable module ${JSON.stringify(module)}`);
    if (this.loaded.has(module)) return false;
    this.loaded.add(module);
    updateActions(this.actions, defs);
    this.s.emit(moduleEvent('Load', module, 'Success'));
    return true;
  }

  /** `module unload <name>`: its actions go first, then the Unload event. False if not loaded. */
  unload(module: string = RTP_OFFLOAD_MODULE): boolean {
    const defs = LOADABLE[module];
    if (!defs || !this.loaded.has(module)) return false;
    this.loaded.delete(module);
    updateActions(
      this.actions,
      [],
      defs.map((d) => d.name),
    );
    this.s.emit(moduleEvent('Unload', module, 'Success'));
    return true;
  }

  /** `module reload [name]` (no name: `reload`, Module All). */
  reload(module?: string): void {
    if (module === undefined) {
      this.s.emit(moduleEvent('Reload', 'All', RELOAD_SUCCESS));
      return;
    }
    this.s.emit(moduleEvent('Reload', module, this.loaded.has(module) ? RELOAD_SUCCESS : RELOAD_NOT_FOUND));
  }
}
