import type { Config } from '../config.js';
import { ControlClient } from '../control/client.js';
import { OpenFlowConnection } from '../openflow/index.js';
import { fail, ok, skip, warn, within, type CheckResult } from './check.js';

export interface SwitchCheckOptions {
  readonly timeoutMs: number;
}

/**
 * The switch as the agent will meet it: an OpenFlow 1.3 handshake at `switch.target`, the
 * uplink among the bridge's ports, and flows carrying our cookie tag that no running agent owns.
 */
export async function checkSwitch(cfg: Config, o: SwitchCheckOptions): Promise<CheckResult[]> {
  const target = cfg.switch.target;
  const conn = new OpenFlowConnection({
    target,
    reconnect: false,
    handshakeTimeoutMs: o.timeoutMs,
    requestTimeoutMs: o.timeoutMs,
  });
  try {
    try {
      await within(conn.connect(), o.timeoutMs + 500, `switch ${target}`);
    } catch (err) {
      return [
        fail(
          'switch.reachable',
          `no OpenFlow 1.3 session with ${target}: ${(err as Error).message}`,
          `check that the bridge exists and offers OpenFlow13 (ovs-vsctl set bridge BR protocols=OpenFlow13), and that this user may open ${target}`,
        ),
        skip('switch.uplink', 'switch not reachable'),
        skip('switch.foreign-flows', 'switch not reachable'),
      ];
    }
    const results = [ok('switch.reachable', `${target} speaks OpenFlow 1.3`)];
    const ports = await conn.portDesc();
    const uplink = ports.find((p) => p.name === cfg.switch.uplinkPort);
    results.push(
      uplink
        ? ok('switch.uplink', `uplink ${cfg.switch.uplinkPort} is port ${uplink.portNo} of the bridge`)
        : fail(
            'switch.uplink',
            `uplinkPort ${cfg.switch.uplinkPort} is not a port of the bridge (ports: ${ports.map((p) => p.name).join(', ') || 'none'})`,
            'set switch.uplinkPort to the bridge port that faces the phones (ovs-vsctl list-ports BR)',
          ),
    );
    results.push(await foreignFlows(cfg, conn, o));
    return results;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

async function foreignFlows(
  cfg: Config,
  conn: OpenFlowConnection,
  o: SwitchCheckOptions,
): Promise<CheckResult> {
  const mask = 0xffffn << 48n;
  const tag = BigInt(cfg.switch.cookieTag) << 48n;
  const flows = await conn.flowStats({ cookie: tag, cookieMask: mask });
  const tagText = `0x${cfg.switch.cookieTag.toString(16).padStart(4, '0')}`;
  if (flows.length === 0) return ok('switch.foreign-flows', `no flows with cookie tag ${tagText}`);
  const agentUp = await within(
    new ControlClient(cfg.control.socket, o.timeoutMs).get('/v1/status'),
    o.timeoutMs,
    'agent',
  )
    .then(() => true)
    .catch(() => false);
  if (agentUp)
    return ok(
      'switch.foreign-flows',
      `${flows.length} flow(s) with tag ${tagText}, owned by the running agent`,
    );
  return warn(
    'switch.foreign-flows',
    `${flows.length} flow(s) with cookie tag ${tagText} and no agent answering on ${cfg.control.socket}`,
    `start the agent (it adopts its own flows), or remove them: scripts/emergency-revert.sh ${cfg.switch.target} ${tagText}; if another controller uses this tag, give this agent its own switch.cookieTag`,
  );
}
