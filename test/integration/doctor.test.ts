import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { diagnose, doctorExitCode } from '../../src/doctor/index.js';
import { OffloadLab } from '../../src/lab/offload-lab.js';

describe('rtp-offload doctor against the lab switch and the simulated PBX', () => {
  let lab: OffloadLab;
  beforeAll(async () => {
    lab = await OffloadLab.create({ startAgent: false, farHosts: 2 });
  }, 60_000);
  afterAll(async () => {
    await lab?.destroy();
  });

  /** The lab's configuration with some `switch` keys changed. */
  const withSwitch = (sw: Record<string, unknown>): Config =>
    parseConfig(
      { ...lab.rawConfig, switch: { ...(lab.rawConfig.switch as Record<string, unknown>), ...sw } },
      lab.secretEnv,
    );
  const status = (rs: readonly { id: string; status: string }[]): Record<string, string> =>
    Object.fromEntries(rs.map((r) => [r.id, r.status]));

  it('passes a sound set-up (the module is only a warning) with exit code 0', async () => {
    const rs = await diagnose(lab.config);
    expect(status(rs)).toEqual({
      'switch.reachable': 'ok',
      'switch.uplink': 'ok',
      'switch.foreign-flows': 'ok',
      'host.bridge-interface': 'ok',
      'ami.login': 'ok',
      // The lab user has write=all, but the simulated PBX registers no action of a class the
      // agent does not need (Command, GetConfig, Originate…), so nothing wider shows.
      'ami.permissions': 'ok',
      'asterisk.module': 'warn',
      'asterisk.endpoints': 'ok',
      'asterisk.rtp-conf': 'ok',
    });
    expect(doctorExitCode(rs)).toBe(0);
  });

  it('fails an uplinkPort that is not a port of the bridge, listing the ports', async () => {
    const rs = await diagnose(withSwitch({ uplinkPort: 'rtpo-none' }));
    const r = rs.find((x) => x.id === 'switch.uplink')!;
    expect(r.status).toBe('fail');
    expect(r.message).toContain(lab.bed.uplink.name);
    expect(doctorExitCode(rs)).toBe(1);
  });

  it('fails a bridgeInterface that does not exist', async () => {
    const rs = await diagnose(withSwitch({ bridgeInterface: 'rtpo-none' }));
    expect(rs.find((x) => x.id === 'host.bridge-interface')).toMatchObject({ status: 'fail' });
  });

  it('fails a bridgeInterface that does not hold the configured RTP address', async () => {
    const cfg = parseConfig(
      {
        ...lab.rawConfig,
        policy: {
          ...(lab.rawConfig.policy as Record<string, unknown>),
          localAddresses: { ipv4: '192.0.2.250' },
        },
      },
      lab.secretEnv,
    );
    const r = (await diagnose(cfg)).find((x) => x.id === 'host.bridge-interface')!;
    expect(r.status).toBe('fail');
    expect(r.message).toContain('does not hold 192.0.2.250');
    expect(r.message).toContain(lab.bed.pbx.ipv4);
  });

  it('fails a switch target nobody serves', async () => {
    const rs = await diagnose(withSwitch({ target: 'tcp:127.0.0.1:1' }), { timeoutMs: 2000 });
    expect(rs.find((x) => x.id === 'switch.reachable')).toMatchObject({ status: 'fail' });
  });

  it('warns about flows with our cookie tag when no agent answers', async () => {
    const tag = lab.config.switch.cookieTag;
    const cookie = `0x${tag.toString(16).padStart(4, '0')}000000000042`;
    await lab.bed.ofctl('add-flow', `cookie=${cookie},priority=7,udp,tp_dst=9,actions=NORMAL`);
    try {
      const rs = await diagnose(lab.config);
      const r = rs.find((x) => x.id === 'switch.foreign-flows')!;
      expect(r.status).toBe('warn');
      expect(r.message).toMatch(/^1 flow\(s\) with cookie tag/);
      expect(r.fix).toContain('emergency-revert.sh');
    } finally {
      await lab.bed.ofctl('del-flows', `cookie=${cookie}/-1`);
    }
  });
});
