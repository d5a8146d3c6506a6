/**
 * What an AMI user may do, read from its `ListCommands` reply, against what the agent needs.
 * Pure. Verified on a real Asterisk 22.10.1 (docs/deploy.md, manager.conf): main/manager.c
 * lists an action when the user's `write=` classes overlap the action's authority, and
 * runs it on the same test.
 */
import { fail, ok, warn, type CheckResult } from './check.js';

/** Actions without which the agent does not work, with the class that grants each. */
const REQUIRED: readonly (readonly [action: string, grantedBy: string])[] = [
  ['BridgeList', 'login'],
  ['BridgeInfo', 'login'],
  ['CoreStatus', 'reporting'],
  ['CoreShowChannels', 'reporting'],
  ['Getvar', 'reporting'],
];
/** One of them, by channel driver (chan_pjsip, chan_sip); both need `system`. */
const ENDPOINT_ACTIONS = ['PJSIPShowEndpoint', 'SIPshowpeer'];
/** Actions of features that degrade without them, and what is lost. */
const OPTIONAL: readonly (readonly [action: string, grantedBy: string, lost: string])[] = [
  ['Setvar', 'call', 'no RTPOFFLOAD_* channel variables for CDR/CEL'],
  ['UserEvent', 'user', 'no RtpOffloadStart/RtpOffloadEnd UserEvents'],
];
/** The write= classes the agent uses; nothing else is needed. */
export const AGENT_WRITE_CLASSES = ['system', 'call', 'reporting', 'user'] as const;
/**
 * Classes that give the user more than the agent needs, with what they allow. `system` is
 * needed (PJSIPShowEndpoint) although it also allows ModuleLoad, Reload and GetConfig.
 */
const RISK: Readonly<Record<string, string>> = {
  command: 'CLI commands, including core stop/restart',
  originate: 'placing calls',
  config: 'rewriting configuration files',
  agi: 'running AGI commands on channels',
  message: 'sending messages',
  aoc: 'sending AOC messages',
  agent: 'logging queue agents in and out',
};

/** `Getvar: Gets a channel variable.  (Priv: call,reporting,all)` → the classes, without `all`. */
export function actionClasses(line: string): string[] {
  const m = /\(Priv: ([^)]*)\)\s*$/.exec(line);
  if (!m) return [];
  return m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '<none>' && s !== 'all');
}

/**
 * The classes the user provably holds: an action whose authority is one class is listed
 * only to users holding it. An action of several classes proves nothing alone (Status,
 * system|call|reporting, is listed to a `reporting` user), which is why the classes of
 * every listed action are not the user's.
 */
export function provenClasses(commands: Readonly<Record<string, string>>): Set<string> {
  const held = new Set<string>();
  for (const line of Object.values(commands)) {
    const cs = actionClasses(line);
    if (cs.length === 1) held.add(cs[0]!);
  }
  return held;
}

export function checkPermissions(username: string, commands: Readonly<Record<string, string>>): CheckResult {
  const has = (a: string): boolean => Object.keys(commands).some((k) => k.toLowerCase() === a.toLowerCase());
  const missing = REQUIRED.filter(([a]) => !has(a)).map(([a, c]) => `${a} (${c})`);
  if (!ENDPOINT_ACTIONS.some(has)) missing.push(`${ENDPOINT_ACTIONS.join(' or ')} (system)`);
  const fix = `give [${username}] in manager.conf write=${AGENT_WRITE_CLASSES.join(',')} (see docs/deploy.md)`;
  if (missing.length > 0)
    return fail('ami.permissions', `the AMI user may not run ${missing.join(', ')}`, fix);
  const lost = OPTIONAL.filter(([a]) => !has(a));
  const wider = [...provenClasses(commands)].filter((c) => Object.hasOwn(RISK, c)).sort();
  if (wider.length > 0) {
    const what = wider.map((c) => `${c} (${RISK[c]})`).join(', ');
    const also = lost.length > 0 ? `; it may not run ${lost.map(([a]) => a).join(', ')}` : '';
    return warn(
      'ami.permissions',
      `the AMI user also holds ${what}, which the agent never uses${also}`,
      `narrow [${username}] to write=${AGENT_WRITE_CLASSES.join(',')}`,
    );
  }
  if (lost.length > 0)
    return warn(
      'ami.permissions',
      `the AMI user may not run ${lost.map(([a, c, l]) => `${a} (${c}: ${l})`).join(', ')}; offloading works`,
      fix,
    );
  return ok(
    'ami.permissions',
    'the AMI user may run every action the agent sends, and holds no class it does not need',
  );
}
