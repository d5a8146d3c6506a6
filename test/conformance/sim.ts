import { SimulatedPbx } from '../../src/lab/pbx/index.js';
import { directConnector } from '../../src/lab/recorder/connector.js';
import { RecordingSession, type PbxAccess } from '../../src/lab/recorder/session.js';

export const SECRET = 'conformance-secret';

/** The simulator configured like the recorded Asterisk (see the fixtures' README). */
export async function startSim(): Promise<{ pbx: SimulatedPbx; access: PbxAccess }> {
  const pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: {
      host: '127.0.0.1',
      port: 0,
      users: [{ username: 'recorder', secret: SECRET, read: 'all', write: 'all' }],
    },
    localAddress: { ipv4: '127.0.0.1' },
    endpoints: {
      alice: { extension: '2001', displayName: 'Alice' },
      bob: { extension: '2002', displayName: 'Bob' },
      carol: { extension: '2003', displayName: 'Carol' },
      erin: { extension: '2302', displayName: 'Erin', rtcpMux: true },
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
