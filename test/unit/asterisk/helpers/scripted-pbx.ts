/**
 * Handlers for an AmiPeer that answer the read-only actions of the AMI source from a small
 * table of bridges, channels and Getvar values, with the reply shapes of main/manager.c,
 * main/manager_bridges.c, main/manager_channels.c and res_pjsip (list actions included).
 */

import { listReply, type AmiPeer, type Pairs } from './ami-peer.js';
import { bridgeBlock, channelBlock, type ChannelFixture } from './blocks.js';

export interface ScriptedBridge {
  id: string;
  technology: string;
  type?: string;
  channels: ChannelFixture[];
}

export class ScriptedPbx {
  readonly bridges = new Map<string, ScriptedBridge>();
  /** `${uniqueid}|${variable}` → Value. Unknown channel → `No such channel`. */
  readonly vars = new Map<string, string>();
  readonly channelIds = new Set<string>();
  readonly endpoints = new Map<string, Pairs>();
  readonly sipPeers = new Map<string, Pairs>();
  /** Set when CoreShowChannels should be refused (as for a user without write=reporting). */
  refuseCoreShowChannels = false;

  constructor(private readonly peer: AmiPeer) {
    peer.handlers.set('bridgelist', (a, r) => {
      const filter = a.get('BridgeType');
      // send_bridge_list_item_cb compares the BridgeType filter with the technology.
      const items = [...this.bridges.values()]
        .filter((b) => !filter || b.technology === filter)
        .map((b) => ({ event: 'BridgeListItem', fields: this.bridgeFields(b) }));
      listReply(r, a.get('ActionID'), items, { event: 'BridgeListComplete' });
    });
    peer.handlers.set('bridgeinfo', (a, r) => {
      const id = a.get('BridgeUniqueid') ?? '';
      const b = this.bridges.get(id);
      if (!b) {
        r.respond([
          ['Response', 'Error'],
          ['Message', `Bridge ${id} not found`],
        ]);
        return;
      }
      const items = b.channels.map((c) => ({ event: 'BridgeInfoChannel', fields: channelBlock(c) }));
      listReply(r, a.get('ActionID'), items, { event: 'BridgeInfoComplete', fields: this.bridgeFields(b) });
    });
    peer.handlers.set('coreshowchannels', (a, r) => {
      if (this.refuseCoreShowChannels) {
        r.respond([
          ['Response', 'Error'],
          ['Message', 'Permission denied'],
        ]);
        return;
      }
      const items = [...this.bridges.values()].flatMap((b) =>
        b.channels.map((c) => ({
          event: 'CoreShowChannel',
          fields: [
            ...channelBlock(c),
            ['Application', 'Dial'],
            ['ApplicationData', 'PJSIP/bob'],
            ['Duration', '00:00:10'],
            ['BridgeId', b.id],
          ] as Pairs,
        })),
      );
      listReply(r, a.get('ActionID'), items, { event: 'CoreShowChannelsComplete' });
    });
    peer.handlers.set('getvar', (a, r) => {
      const ch = a.get('Channel') ?? '';
      const variable = a.get('Variable') ?? '';
      if (!this.channelIds.has(ch)) {
        r.respond([
          ['Response', 'Error'],
          ['Message', 'No such channel'],
        ]);
        return;
      }
      r.respond([
        ['Response', 'Success'],
        ['Variable', variable],
        ['Value', this.vars.get(`${ch}|${variable}`) ?? ''],
      ]);
    });
    peer.handlers.set('pjsipshowendpoint', (a, r) => {
      const name = a.get('Endpoint') ?? '';
      const detail = this.endpoints.get(name);
      if (!detail) {
        r.respond([
          ['Response', 'Error'],
          ['Message', `Unable to retrieve endpoint ${name}`],
        ]);
        return;
      }
      listReply(
        r,
        a.get('ActionID'),
        [
          { event: 'EndpointDetail', fields: [['ObjectType', 'endpoint'], ['ObjectName', name], ...detail] },
          {
            event: 'AorDetail',
            fields: [
              ['ObjectType', 'aor'],
              ['ObjectName', name],
            ],
          },
        ],
        { event: 'EndpointDetailComplete' },
      );
    });
    peer.handlers.set('sipshowpeer', (a, r) => {
      const fields = this.sipPeers.get(a.get('Peer') ?? '');
      if (!fields) {
        r.respond([
          ['Response', 'Error'],
          ['Message', 'Peer not found'],
        ]);
        return;
      }
      r.respond([['Response', 'Success'], ...fields]);
    });
    for (const name of ['setvar', 'userevent']) {
      peer.handlers.set(name, (_a, r) => r.respond([['Response', 'Success']]));
    }
  }

  addBridge(b: ScriptedBridge): void {
    this.bridges.set(b.id, b);
    for (const c of b.channels) this.channelIds.add(c.uniqueid);
  }

  /** A two-party native_rtp call with chan_pjsip legs and their Getvar values. */
  addCall(n: number, technology = 'native_rtp'): ScriptedBridge {
    const a: ChannelFixture = { name: `PJSIP/alice-${hex8(2 * n)}`, uniqueid: `1754470000.${2 * n}` };
    const b: ChannelFixture = {
      name: `PJSIP/bob-${hex8(2 * n + 1)}`,
      uniqueid: `1754470000.${2 * n + 1}`,
      linkedid: a.uniqueid,
    };
    const bridge = {
      id: `bridge-${String(n).padStart(8, '0')}-4c55-9a0e-7d1f2e3a4b5c`,
      technology,
      channels: [a, b],
    };
    this.addBridge(bridge);
    for (const [i, c] of [a, b].entries()) {
      const set = (v: string, value: string): void => void this.vars.set(`${c.uniqueid}|${v}`, value);
      set('CHANNEL(rtp,src)', `0.0.0.0:${10000 + 4 * n + 2 * i}`);
      set('CHANNEL(rtp,dest)', `198.51.100.${10 + i}:${20000 + 2 * n}`);
      set('CHANNEL(rtp,direct)', '(null)');
      set('CHANNEL(rtp,secure)', '0');
      set('CHANNEL(rtp,hold)', '0');
      set('CHANNEL(audionativeformat)', '(ulaw)');
      set('CHANNEL(audioreadformat)', 'ulaw');
    }
    return bridge;
  }

  private bridgeFields(b: ScriptedBridge): Pairs {
    return bridgeBlock({
      id: b.id,
      technology: b.technology,
      type: b.type ?? 'basic',
      members: b.channels.length,
    });
  }

  get amiPeer(): AmiPeer {
    return this.peer;
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
