import type { DemoResult, PhaseFigures, Ratio } from './run.js';

const fmt = (v: number, digits = 1): string =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function change(r: Ratio, before: number, after: number): string {
  if (before === 0 && after === 0) return '-';
  if (r === null) return 'gone';
  if (r >= 1) return `÷ ${fmt(r)}`;
  return `× ${fmt(after / before)}`;
}

/** Fills words into lines of at most `width` columns. */
function wrap(text: string, first = '', rest = first, width = 96): string {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    const prefix = lines.length === 0 ? first : rest;
    if (line.length > prefix.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else line += (line.length > prefix.length ? ' ' : '') + word;
  }
  lines.push(line);
  return lines.join('\n');
}

function row(label: string, b: string, a: string, c: string): string {
  return `  ${label.padEnd(38)}${b.padStart(16)}${a.padStart(14)}   ${c}`;
}

/** The closing summary of a demo run: before/after with ratios, switchover, the revert. */
export function formatReport(r: DemoResult): string {
  const { throughPbx: b, offloaded: a, ratios: x, setup, switchover: sw, revert: rv } = r;
  const pct = (p: PhaseFigures, k: keyof PhaseFigures): string => {
    const v = p[k];
    return v === null ? '-' : `${fmt(v)} %`;
  };
  const out: string[] = [];
  out.push('');
  out.push(
    wrap(
      `Before and after: ${setup.calls} calls, ${fmt(b.seconds)} s measured in each phase. CPU is in % ` +
        `of one core, as top shows it (this machine has ${setup.cores} cores: ${setup.cores * 100} % in all; ` +
        `its load average was ${fmt(setup.loadAverage)} when the demo started).`,
    ),
  );
  out.push('');
  out.push(row('', 'through the PBX', 'offloaded', 'change'));
  out.push(
    row(
      'PBX packets relayed per second',
      fmt(b.pbxPacketsRelayedPerSec, 0),
      fmt(a.pbxPacketsRelayedPerSec, 0),
      change(x.pbxPacketsRelayedPerSec, b.pbxPacketsRelayedPerSec, a.pbxPacketsRelayedPerSec),
    ),
  );
  out.push(
    row(
      'PBX relaying, full cost (estimate)',
      pct(b, 'pbxRelayEstimatedCpuPct'),
      pct(a, 'pbxRelayEstimatedCpuPct'),
      b.pbxRelayEstimatedCpuPct === null || a.pbxRelayEstimatedCpuPct === null
        ? ''
        : change(x.pbxRelayEstimatedCpu, b.pbxRelayEstimatedCpuPct, a.pbxRelayEstimatedCpuPct),
    ),
  );
  out.push(
    row(
      'PBX relay path (timed by the PBX)',
      pct(b, 'pbxRelayPathCpuPct'),
      pct(a, 'pbxRelayPathCpuPct'),
      change(x.pbxRelayPathCpu, b.pbxRelayPathCpuPct, a.pbxRelayPathCpuPct),
    ),
  );
  out.push(
    row(
      'lab process (PBX + phones + agent)',
      pct(b, 'labProcessCpuPct'),
      pct(a, 'labProcessCpuPct'),
      change(x.labProcessCpu, b.labProcessCpuPct, a.labProcessCpuPct),
    ),
  );
  out.push(
    row(
      `ovs-vswitchd (${setup.datapath} datapath)`,
      pct(b, 'vswitchdCpuPct'),
      pct(a, 'vswitchdCpuPct'),
      change(x.vswitchdCpu, b.vswitchdCpuPct, a.vswitchdCpuPct),
    ),
  );
  out.push(
    row(
      'whole machine (/proc/stat)',
      pct(b, 'hostCpuPct'),
      pct(a, 'hostCpuPct'),
      change(x.hostCpu, b.hostCpuPct, a.hostCpuPct),
    ),
  );
  out.push(row('  of which softirq', pct(b, 'hostSoftirqPct'), pct(a, 'hostSoftirqPct'), ''));
  out.push(row('  of which not the demo', pct(b, 'otherWorkCpuPct'), pct(a, 'otherWorkCpuPct'), ''));
  out.push(
    row(
      'packets/s the phones sent',
      fmt(b.phonesSentPerSec, 0),
      fmt(a.phonesSentPerSec, 0),
      `(${fmt(b.phonesExpectedPerSec, 0)} due)`,
    ),
  );
  out.push(
    row('packets/s the phones heard', fmt(b.phonesReceivedPerSec, 0), fmt(a.phonesReceivedPerSec, 0), ''),
  );
  out.push(row('packets the phones lost', String(b.phonesLost), String(a.phonesLost), ''));
  out.push('');
  out.push(
    wrap(
      `Switchover: all ${sw.offloaded} calls offloaded ${fmt(sw.allOffloadedMs / 1000, 2)} s after the kill ` +
        `switch was released (${sw.flowsInstalled} flows installed). The phones lost ${sw.lostDuringSwitch} ` +
        `packets from the release until half a second after the last offload, ${sw.lostWhileCliRan} while ` +
        `the three CLI commands above ran (each starts a Node process on these shared cores), and ` +
        `${sw.lost} in all from the end of phase 1 to the end of phase 2 (${sw.duplicated} duplicated, ` +
        `${sw.reordered} reordered).` +
        (sw.generatorSkippedMs > 0
          ? ` The phones' clock skipped ${sw.generatorSkippedMs} ms of sending meanwhile: their event loop ` +
            `was late, those packets were never sent.`
          : ''),
    ),
  );
  out.push('');
  out.push(
    wrap(
      `Hold: the caller of bridge ${rv.bridgeId} put the call on hold; the agent reverted it ` +
        `${rv.revertedMs} ms later (state ${rv.stateWhileHeld}, reason ${rv.reason ?? 'none'}). Over the ` +
        `${fmt(rv.heldSeconds)} s on hold the call's media was back at the PBX: it received ` +
        `${rv.pbxReceivedWhileHeld} of the phones' packets and played music on hold (the held phone heard ` +
        `${rv.heldPartyHeardPerSec} packets/s from it), relaying ${rv.pbxRelayedWhileHeld}, as Asterisk does ` +
        `not bridge a held call's media. After unhold the PBX relayed the call in userspace ` +
        `(${rv.pbxRelayedAfterUnhold} packets) until the agent offloaded it again ${rv.reoffloadedMs} ms later ` +
        `(state ${rv.stateAfter}); in the next second the PBX relayed ${rv.pbxRelayedOnceOffloadedAgain}.`,
    ),
  );
  out.push('');
  out.push('What the rows are:');
  for (const p of [
    `The simulated PBX relays as Asterisk's native_rtp bridge does, but in the same Node process as the ` +
      `phones and the agent, so /proc cannot give its CPU apart from theirs. "Full cost (estimate)": the ` +
      `lab process's CPU through the PBX less the phones' and agent's share, taken from the offloaded ` +
      `phase in proportion to the packets the phones sent and received (it includes the kernel's socket ` +
      `work for the relay). "Relay path": the time the PBX measures inside its relay, from receive ` +
      `handler to send, a lower bound that leaves out the receive syscall and event-loop dispatch.`,
    `Datapath: Open vSwitch's userspace datapath (datapath_type=${setup.datapath}), because no kernel ` +
      `module can be loaded here, so forwarding costs ovs-vswitchd CPU. Through the PBX every packet ` +
      `crosses the switch twice (phone to PBX through the bridge's tap port, and back); offloaded, once ` +
      `(rewritten and sent back out of the uplink). On a host with the kernel datapath ` +
      `(datapath_type=system, the production setup) that forwarding is softirq time instead of ` +
      `ovs-vswitchd CPU.`,
    `"Whole machine" counts everything running on it; "not the demo" is what remains after the lab ` +
      `process and ovs-vswitchd. When other work keeps the machine busy, the phones fall behind (fewer ` +
      `packets sent than due) and the through-PBX figures cover less than the full load.`,
  ])
    out.push(wrap(p, '- ', '  '));
  return out.join('\n');
}
