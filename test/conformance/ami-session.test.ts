import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedPbx } from '../../src/lab/pbx/index.js';
import { AmiSession, header, parseAmiMessage, type AmiMessage } from '../../src/lab/recorder/ami.js';
import type { PbxAccess } from '../../src/lab/recorder/session.js';
import { isMarker, isWire, Transcript } from '../../src/lab/recorder/transcript.js';
import { loadFixture, shape } from './fixtures.js';
import { SECRET, startSim } from './sim.js';

/**
 * AMI only: the recorded ARI exchanges (`ari-http`, `ari-ws` records after the `ari`
 * marker) are out of scope, because the simulated PBX has no ARI server.
 *
 * Actions whose reply lists what this build has (commands, endpoint options), not protocol;
 * their lines are checked one by one below.
 */
const CONTENT_DEPENDENT = new Set(['ListCommands']);

interface Exchange {
  readonly sent: string;
  readonly actionId: string;
  readonly replies: AmiMessage[];
}

/** The recorded AMI connections: banner, then each action with every message echoing its ActionID. */
function recordedConnections(): { banner: string; exchanges: Exchange[] }[] {
  const entries = loadFixture('ami-session');
  const conns: { banner: string; exchanges: Exchange[] }[] = [];
  let current: { banner: string; exchanges: Exchange[] } | null = null;
  for (const e of entries) {
    if (isMarker(e) && e.marker === 'ari') break;
    if (!isWire(e) || e.proto !== 'ami') continue;
    if (e.dir === 'received' && e.raw.startsWith('Asterisk Call Manager/')) {
      current = { banner: e.raw, exchanges: [] };
      conns.push(current);
    } else if (e.dir === 'sent' && current) {
      const id = header(parseAmiMessage(e.raw), 'ActionID') ?? '';
      current.exchanges.push({ sent: e.raw, actionId: id, replies: [] });
    } else if (e.dir === 'received' && current) {
      const msg = parseAmiMessage(e.raw);
      const id = header(msg, 'ActionID');
      current.exchanges.find((x) => x.actionId === id)?.replies.push(msg);
    }
  }
  return conns;
}

function describeMessage(m: AmiMessage): string {
  return m.headers
    .map(([k, v]) =>
      k === 'Response' || k === 'Event' || k === 'Message' || k === 'EventList'
        ? `${k}: ${v}`
        : `${k}: ${shape(v)}`,
    )
    .join(' | ');
}

describe('AMI session replies match Asterisk 22', () => {
  let pbx: SimulatedPbx;
  let access: PbxAccess;
  beforeAll(async () => {
    ({ pbx, access } = await startSim());
  });
  afterAll(async () => {
    await pbx.stop();
  });

  it('sends the same banner and answers each recorded action with the same messages', async () => {
    const differences: string[] = [];
    for (const conn of recordedConnections()) {
      const t = new Transcript();
      const ami = await AmiSession.open(access.connect, access.amiHost, access.amiPort, t);
      if (ami.banner !== conn.banner)
        differences.push(
          `banner: real ${JSON.stringify(conn.banner)}, simulated ${JSON.stringify(ami.banner)}`,
        );
      for (const x of conn.exchanges) {
        if (ami.isClosed) break;
        const action = header(parseAmiMessage(x.sent), 'Action') ?? '';
        const got: AmiMessage[] = [];
        const collect = ami.waitFor((m) => {
          if (header(m, 'ActionID') === x.actionId) got.push(m);
          return got.length >= x.replies.length;
        }, 3000);
        ami.writeRaw(x.sent.replace('<redacted>', SECRET));
        await collect.catch(() => undefined);
        if (CONTENT_DEPENDENT.has(action)) {
          if (header(got[0] ?? { raw: '', headers: [] }, 'Response') !== header(x.replies[0]!, 'Response'))
            differences.push(`${action}: Response differs`);
          continue;
        }
        // Error replies byte for byte: some messages end in "\n" before the CRLF
        // (astman_send_error_va in res_pjsip), which a parsed comparison would hide.
        x.replies.forEach((r, i) => {
          if (header(r, 'Response') === 'Error' && got[i] && got[i].raw !== r.raw)
            differences.push(
              `${action} (${x.actionId}) raw: real ${JSON.stringify(r.raw)}, simulated ${JSON.stringify(got[i].raw)}`,
            );
        });
        const real = x.replies.map(describeMessage);
        const sim = got.map(describeMessage);
        for (let i = 0; i < Math.max(real.length, sim.length); i++) {
          if (real[i] !== sim[i])
            differences.push(
              `${action} (${x.actionId}) message ${i}:\n  real      ${real[i] ?? '(none)'}\n  simulated ${sim[i] ?? '(none)'}`,
            );
        }
        if (action === 'Login' && header(x.replies[0]!, 'Response') === 'Error') {
          await Promise.race([ami.whenClosed(), new Promise((r) => setTimeout(r, 3000))]);
          if (!ami.isClosed)
            differences.push('failed Login: Asterisk closes the connection, the simulator did not');
        }
      }
      ami.close();
    }
    expect(differences).toEqual([]);
  }, 30_000);

  it('lists each action it has with the synopsis and privileges Asterisk prints', async () => {
    const entries = loadFixture('ami-session');
    const sentList = entries.find(
      (e) => isWire(e) && e.dir === 'sent' && e.raw.startsWith('Action: ListCommands'),
    );
    const id = sentList && isWire(sentList) ? /ActionID: (.*)\r\n/.exec(sentList.raw)?.[1] : undefined;
    const realRaw = entries.find(
      (e) => isWire(e) && e.dir === 'received' && e.raw.includes(`ActionID: ${id}\r\n`),
    );
    const realLines = new Set(realRaw && isWire(realRaw) ? realRaw.raw.split('\r\n') : []);
    const t = new Transcript();
    const ami = await AmiSession.open(access.connect, access.amiHost, access.amiPort, t);
    await ami.action('Login', [
      ['Username', 'recorder'],
      ['Secret', SECRET],
    ]);
    const reply = await ami.action('ListCommands', []);
    ami.close();
    // action_listcommands: "<Action>: <synopsis>  (Priv: <classes>)" per registered action.
    const simLines = reply.raw.split('\r\n').filter((l) => / {2}\(Priv: /.test(l));
    expect(simLines.length).toBeGreaterThan(10);
    expect(simLines.filter((l) => !realLines.has(l))).toEqual([]);
  });
});
