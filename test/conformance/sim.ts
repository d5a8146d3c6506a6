import { SimulatedPbx, type SimulatedPbxOptions } from '../../src/lab/pbx/index.js';
import { directConnector } from '../../src/lab/recorder/connector.js';
import { RecordingSession, type PbxAccess } from '../../src/lab/recorder/session.js';

export const SECRET = 'conformance-secret';

/** Where phone `n` listens: 127.0.0.1 and a port of its own (the recording used .10–.16:20000). */
export const phone = (n: number): { address: string; port: number } => ({
  address: '127.0.0.1',
  port: 42000 + 2 * n,
});

/** The simulator configured like the recorded Asterisk (see the fixtures' README). */
export async function startSim(
  timing: Pick<SimulatedPbxOptions, 'rtcpIntervalMs'> = {},
): Promise<{ pbx: SimulatedPbx; access: PbxAccess }> {
  const pbx = await SimulatedPbx.start({
    ...timing,
    version: 22,
    driver: 'pjsip',
    ami: {
      host: '127.0.0.1',
      port: 0,
      users: [{ username: 'recorder', secret: SECRET, read: 'all', write: 'all' }],
    },
    localAddress: { ipv4: '127.0.0.1' },
    // Each phone has a static address, as the recorded system's `contact =` and
    // `identify` sections give it (loopback here, compared by shape).
    endpoints: {
      alice: { extension: '2001', displayName: 'Alice', remote: phone(10) },
      bob: { extension: '2002', displayName: 'Bob', remote: phone(11) },
      carol: { extension: '2003', displayName: 'Carol', remote: phone(12) },
      dave: { extension: '2202', displayName: 'Dave', remote: phone(13), rtpTimeout: 6, rtpTimeoutHold: 20 },
      erin: { extension: '2302', displayName: 'Erin', remote: phone(14), rtcpMux: true },
    },
  });
  const { host, port } = pbx.amiAddress();
  const access: PbxAccess = {
    connect: directConnector,
    amiHost: host,
    amiPort: port,
    amiUser: 'recorder',
    amiSecret: SECRET,
    ari: { connect: directConnector, host, port: 0, user: 'recorder', password: SECRET },
    ariApp: 'recorder',
  };
  return { pbx, access };
}

/** An AMI-only recording session (the simulator has no ARI). */
export function openAmi(access: PbxAccess): Promise<RecordingSession> {
  return RecordingSession.open(access, { ari: false });
}
