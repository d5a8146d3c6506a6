/**
 * The engine bench's simulated PBX, as its own process in the root namespace (spawned with
 * `PbxProcess.spawn(options, { entry })`): the same IPC protocol as `src/lab/pbx/main.ts`,
 * plus
 *
 * - RTP sockets on loopback while AMI reports the testbed PBX address the flows match
 *   (no media in this bench, and the root namespace has no testbed address);
 * - a notice `{ secondBridgeEnter, at }` the moment each bridge gets its second member,
 *   `at` being `performance.timeOrigin + performance.now()`: wall-clock milliseconds of the
 *   machine's clock, comparable with the same expression in the agent's process.
 */
import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { OpenRtpSocket } from '../src/lab/pbx/options.js';
import { openLocalUdpSocket } from '../src/lab/pbx/rtp/ports.js';
import { optionsFromArgs, runEntry, servePbx } from '../src/lab/pbx/serve.js';
import { FAKE_RTP_ENV } from './engine-pbx-env.js';
import { FILES_ENV, wallClockMs, type SecondEnterNotice } from './pbx-notice.js';
import { raiseFileLimit } from './process-stats.js';

/**
 * RTP sockets on loopback at the port the PBX picked. Every leg's RTCP shares one socket per
 * family: four sockets per call would not fit 5,000 calls under this host's descriptor limit
 * (20,000, hard), and in this bench RTCP carries nothing (no media, RTCP interval of a day).
 * The agent reads only the RTP address (`CHANNEL(rtp,src)`), which stays each leg's own.
 */
function loopbackSockets(): OpenRtpSocket {
  const shared = new Map<4 | 6, Promise<dgram.Socket>>();
  return (family, _address, port) => {
    const loopback = family === 6 ? '::1' : '127.0.0.1';
    if (port % 2 === 0) return openLocalUdpSocket(family, loopback, port);
    let rtcp = shared.get(family);
    if (!rtcp) {
      rtcp = openLocalUdpSocket(family, loopback, 0).then((s) => {
        // Every leg adds its listeners; a leg hanging up closes it for all, so the next opens anew.
        s.setMaxListeners(0);
        s.once('close', () => shared.delete(family));
        return s;
      });
      shared.set(family, rtcp);
    }
    return rtcp;
  };
}


/**
 * RTP "sockets" that hold only their address: 20,000 calls need 40,000 RTP sockets, twice
 * what this host lets one process open, and with no media they never carry a packet. A port
 * in use is refused as a real bind would be, so the PBX's allocator moves on.
 */
function fakeSockets(): OpenRtpSocket {
  const used = new Set<string>();
  return (family, address, port) => {
    const key = `${family}/${port}`;
    if (used.has(key)) return Promise.reject(Object.assign(new Error('EADDRINUSE'), { code: 'EADDRINUSE' }));
    used.add(key);
    const s = new EventEmitter() as EventEmitter & Record<string, unknown>;
    s.address = () => ({ address, port, family: family === 6 ? 'IPv6' : 'IPv4' });
    s.send = (...args: unknown[]) => {
      const cb = args.find((a) => typeof a === 'function') as ((e: null, n: number) => void) | undefined;
      cb?.(null, 0);
    };
    s.close = (cb?: () => void) => {
      used.delete(key);
      s.emit('close');
      cb?.();
    };
    s.unref = () => s;
    s.ref = () => s;
    return Promise.resolve(s as unknown as dgram.Socket);
  };
}

async function main(): Promise<void> {
  const wanted = Number(process.env[FILES_ENV] ?? 0);
  const limit = await raiseFileLimit(wanted);
  if (limit < wanted)
    throw new Error(`open-file limit ${limit} < ${wanted} needed, and prlimit could not raise it`);
  await servePbx(
    {
      ...optionsFromArgs(process.argv.slice(2)),
      openRtpSocket: process.env[FAKE_RTP_ENV] ? fakeSockets() : loopbackSockets(),
    },
    {
      started: (pbx, notify) => {
        const enters = new Map<string, number>();
        pbx.onManagerEvent((e) => {
          if (e.name === 'BridgeEnter') {
            const id = e.fields.find(([k]) => k === 'BridgeUniqueid')?.[1];
            if (id === undefined) return;
            const n = (enters.get(id) ?? 0) + 1;
            enters.set(id, n);
            if (n === 2) notify({ secondBridgeEnter: id, at: wallClockMs() } satisfies SecondEnterNotice);
          } else if (e.name === 'BridgeDestroy') {
            const id = e.fields.find(([k]) => k === 'BridgeUniqueid')?.[1];
            if (id !== undefined) enters.delete(id);
          }
        });
      },
    },
  );
}

runEntry(main);
