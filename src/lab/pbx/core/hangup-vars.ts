import * as ev from '../ami/events.js';
import type { SimBridge } from '../model/objects.js';
import type { PbxState } from './state.js';

/**
 * Recorded on Asterisk 22.10.1 (fixture basic-call.jsonl): when a party of a two-party
 * bridge hangs up, right after its HangupRequest and before the first BridgeLeave, both
 * channels get VarSet of BRIDGEPEER and BRIDGEPVTCALLID with an empty value, the party
 * hanging up first.
 */
export function clearBridgePeerVars(
  s: PbxState,
  bridge: SimBridge,
  first: { readonly uniqueid: string },
): void {
  if (bridge.channels.length !== 2) return;
  const ordered = [...bridge.channels].sort((a, b) =>
    a.uniqueid === first.uniqueid ? -1 : b.uniqueid === first.uniqueid ? 1 : 0,
  );
  for (const c of ordered) {
    for (const name of ['BRIDGEPEER', 'BRIDGEPVTCALLID']) {
      c.vars.set(name, '');
      s.emit(ev.varSet(c, name, ''));
    }
  }
}
