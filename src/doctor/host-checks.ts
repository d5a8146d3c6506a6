import type { Config } from '../config.js';
import { InterfaceAddresses } from '../net/index.js';
import { fail, ok, type CheckResult } from './check.js';

/** `bridgeInterface` exists and carries the addresses Asterisk's RTP is sent from. */
export async function checkBridgeInterface(cfg: Config, addrs: InterfaceAddresses): Promise<CheckResult> {
  const dev = cfg.switch.bridgeInterface;
  let found: { ipv4: string[]; ipv6: string[] };
  try {
    found = await addrs.addresses(dev);
  } catch (err) {
    return fail(
      'host.bridge-interface',
      `bridgeInterface ${dev} cannot be read: ${(err as Error).message}`,
      "set switch.bridgeInterface to the OVS bridge interface holding Asterisk's RTP address (see docs/deploy.md)",
    );
  }
  const all = [...found.ipv4, ...found.ipv6];
  const wanted = [cfg.policy.localAddresses.ipv4, cfg.policy.localAddresses.ipv6].filter(
    (a): a is string => a !== null,
  );
  const absent = wanted.filter((a) => !all.includes(a));
  if (all.length === 0)
    return fail(
      'host.bridge-interface',
      `${dev} has no global address: Asterisk's RTP does not leave through the bridge`,
      `move Asterisk's RTP address onto ${dev} (docs/deploy.md)`,
    );
  if (absent.length > 0)
    return fail(
      'host.bridge-interface',
      `${dev} does not hold ${absent.join(', ')} (policy.localAddresses); it has ${all.join(', ')}`,
      'correct policy.localAddresses or the address of the bridge interface',
    );
  return ok('host.bridge-interface', `${dev} holds ${all.join(', ')}`);
}
