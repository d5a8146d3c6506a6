/**
 * Records a real Asterisk's AMI/ARI exchanges and media behaviour for the conformance
 * fixtures. Asterisk is an installation outside this repository, named by environment:
 *
 *   ASTERISK_BINARY   the asterisk executable
 *   ASTERISK_CONFIG   its asterisk.conf (PJSIP transport on 198.51.100.1, AMI and HTTP on 127.0.0.1)
 *   AMI_USER / AMI_SECRET, ARI_USER / ARI_PASSWORD   test-only credentials of that config
 *   RECORD_OUT        directory for the transcripts (one .jsonl per scenario) and facts
 *   RECORD_WORK       scratch directory (console log, captures)
 *   RECORD_ONLY       optional comma list of scenario names
 *   RECORD_REDACT     optional `path=label,…` pairs replaced in transcripts (e.g. the
 *                     Asterisk spool directory, which MixMonitor reports in full)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Testbed } from '../testbed/index.js';
import { basicAuthToken } from './ari.js';
import { AsteriskProcess } from './asterisk-process.js';
import { PHONE_RTP_PORT, type FarSide } from './calls.js';
import { Capture } from './capture.js';
import { NamespaceConnector } from './connector.js';
import { relayFacts, rtcpFacts, rtpHeader } from './datapath.js';
import { readPcapUdp } from './pcap.js';
import { SCENARIOS, type ScenarioResult } from './scenarios.js';
import { stopAllSipp } from './sipp.js';
import { closeAllPhones } from './rtp-phone.js';
import { openedTranscripts, type PbxAccess } from './session.js';
import type { Redaction } from './transcript.js';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`environment variable ${name} is required`);
  return v;
}

const PHONES = ['alice', 'bob', 'carol', 'dave', 'erin', 'sdesa', 'sdesb'] as const;

async function waitForAmi(access: PbxAccess, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      const sock = await access.connect(access.amiHost, access.amiPort);
      sock.destroy();
      return;
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await sleep(250);
    }
  }
}

async function main(): Promise<void> {
  const binary = env('ASTERISK_BINARY');
  const config = env('ASTERISK_CONFIG');
  const out = env('RECORD_OUT');
  const work = env('RECORD_WORK');
  const only = process.env.RECORD_ONLY?.split(',').filter((x) => x !== '');
  mkdirSync(out, { recursive: true });
  mkdirSync(work, { recursive: true });

  const bed = await Testbed.create({ farHosts: PHONES.length + 1 });
  let asterisk: AsteriskProcess | null = null;
  let connector: NamespaceConnector | null = null;
  try {
    const phoneIp = (name: string): string => {
      const i = PHONES.indexOf(name as (typeof PHONES)[number]);
      if (i < 0) throw new Error(`unknown phone ${name}`);
      return bed.far.ipv4[i]!;
    };
    asterisk = AsteriskProcess.start({
      ns: bed.pbxNs,
      binary,
      config,
      consoleLog: join(work, 'asterisk-console.log'),
    });
    connector = NamespaceConnector.start(bed.pbxNs);
    const access: PbxAccess = {
      connect: connector.connect,
      amiHost: '127.0.0.1',
      amiPort: 5038,
      amiUser: env('AMI_USER'),
      amiSecret: env('AMI_SECRET'),
      ari: {
        connect: connector.connect,
        host: '127.0.0.1',
        port: 8088,
        user: env('ARI_USER'),
        password: env('ARI_PASSWORD'),
      },
      ariApp: 'recorder',
    };
    await waitForAmi(access);
    // Let module loading finish (FullyBooted) before the first scenario.
    await sleep(3000);
    const far: FarSide = {
      ns: bed.farNs,
      udp: (type, address, port) => bed.udpSocket('far', type, address, port),
      pbxIp: bed.pbx.ipv4,
      phoneIp,
    };
    const redactions: Redaction[] = [
      [access.amiSecret, '<redacted>'],
      [access.ari.password, '<redacted>'],
      [basicAuthToken(access.ari.user, access.ari.password), '<redacted>'],
      [basicAuthToken(access.ari.user, 'wrong-secret'), '<redacted-wrong>'],
      [work, '<work>'],
    ];
    for (const pair of (process.env.RECORD_REDACT ?? '').split(',').filter((p) => p.includes('='))) {
      const at = pair.indexOf('=');
      redactions.push([pair.slice(0, at), pair.slice(at + 1)]);
    }
    const results: Record<string, ScenarioResult> = {};
    const captures: Record<string, string> = {};
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      if (only && !only.includes(name)) continue;
      process.stdout.write(`scenario ${name} … `);
      const pcap = join(work, `${name}.pcap`);
      openedTranscripts.length = 0;
      const cap = name === 'ami-session' ? null : await Capture.start(bed.farNs, bed.far.iface, pcap);
      try {
        const r = await scenario({ access, far });
        results[name] = r;
        r.transcript.save(join(out, `${name}.jsonl`), redactions);
        process.stdout.write('ok\n');
      } catch (err) {
        process.stdout.write(`FAILED: ${(err as Error).stack ?? String(err)}\n`);
        openedTranscripts.at(-1)?.save(join(work, `${name}.failed.jsonl`), redactions);
      } finally {
        await stopAllSipp();
        closeAllPhones();
        await cap?.stop();
        if (cap) captures[name] = pcap;
      }
      await sleep(1000);
    }

    const facts: Record<string, unknown> = {};
    for (const [name, r] of Object.entries(results)) {
      const entry: Record<string, unknown> = { ...(r.facts ?? {}) };
      if (r.call) {
        entry.phones = {
          [r.call.caller.endpoint]: {
            ssrc: r.call.caller.phone.ssrc.toString(16),
            sent: r.call.caller.phone.sent,
            rtpReceived: r.call.caller.phone.rtpIn.length,
            rtcpReceived: r.call.caller.phone.rtcpIn.length,
          },
          [r.call.callee.endpoint]: {
            ssrc: r.call.callee.phone.ssrc.toString(16),
            sent: r.call.callee.phone.sent,
            rtpReceived: r.call.callee.phone.rtpIn.length,
            rtcpReceived: r.call.callee.phone.rtcpIn.length,
          },
        };
        const pcap = captures[name];
        if (pcap) {
          const packets = readPcapUdp(pcap);
          const a = { address: phoneIp(r.call.caller.endpoint), port: PHONE_RTP_PORT };
          const b = { address: phoneIp(r.call.callee.endpoint), port: PHONE_RTP_PORT };
          const bAlt = r.call.callee.phone.opts.sendFromPort;
          entry.relay = {
            callerToCallee: relayFacts(packets, a, b, bed.pbx.ipv4),
            calleeToCaller: relayFacts(
              packets,
              bAlt !== undefined ? { ...b, port: bAlt } : b,
              a,
              bed.pbx.ipv4,
            ),
          };
          if (bAlt !== undefined)
            entry.relayToAlt = relayFacts(packets, a, { ...b, port: bAlt }, bed.pbx.ipv4);
          entry.rtcp = rtcpFacts(
            packets,
            {
              [r.call.caller.endpoint]: { ...a, ssrc: r.call.caller.phone.ssrc },
              [r.call.callee.endpoint]: { ...b, ssrc: r.call.callee.phone.ssrc },
            },
            bed.pbx.ipv4,
          );
          // Per-packet log toward the callee: where SSRC/sequence bases change (relay restarts, simple_bridge).
          const toCallee = packets.filter(
            (p) => p.src === bed.pbx.ipv4 && p.dst === b.address && rtpHeader(p),
          );
          const segments: {
            from: number;
            ssrc: string;
            marker: boolean;
            seq: number;
            srcPort: number;
            dstPort: number;
            dscp: number;
            ttl: number;
          }[] = [];
          let lastSsrc = -1;
          let lastSeq = -1;
          for (const p of toCallee) {
            const h = rtpHeader(p)!;
            const jump = lastSeq >= 0 && (h.seq - lastSeq + 0x10000) % 0x10000 !== 1;
            if (h.ssrc !== lastSsrc || h.marker || jump) {
              segments.push({
                from: Math.round((p.time - (toCallee[0]?.time ?? p.time)) * 1000),
                ssrc: h.ssrc.toString(16),
                marker: h.marker,
                seq: h.seq,
                srcPort: p.srcPort,
                dstPort: p.dstPort,
                dscp: p.dscp,
                ttl: p.ttl,
              });
            }
            lastSsrc = h.ssrc;
            lastSeq = h.seq;
          }
          entry.toCalleeSegments = segments.slice(0, 40);
        }
      }
      facts[name] = entry;
    }
    writeFileSync(join(work, 'facts.json'), JSON.stringify(facts, null, 2) + '\n');
    process.stdout.write(`facts in ${join(work, 'facts.json')}\n`);
  } finally {
    connector?.stop();
    await asterisk?.stop();
    await bed.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
