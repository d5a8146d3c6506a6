import { describe, expect, it } from 'vitest';
import { CallModel } from '../../../src/model/call-model.js';
import { RECORDING_SUSPECTED, type PbxEvent } from '../../../src/model/pbx.js';
import { channel, rtpLeg, v4 } from './fixtures.js';

const alice = channel('1.1', 'PJSIP/alice-00000001');
const bob = channel('1.2', 'PJSIP/bob-00000002');
const enter = (bridgeId: string, ch = alice, memberCount = 1): PbxEvent => ({
  kind: 'channel-entered',
  bridgeId,
  channel: ch,
  technology: 'simple_bridge',
  memberCount,
  swapChannelId: null,
});

function bridged(): CallModel {
  const m = new CallModel();
  m.apply({ kind: 'bridge-created', bridgeId: 'B', technology: 'simple_bridge', bridgeClass: 'basic' }, 0);
  m.apply(enter('B', alice), 10);
  m.apply(enter('B', bob, 2), 20);
  return m;
}

describe('the call model', () => {
  it('starts the two-party age at the second join and marks the technology stale', () => {
    const m = bridged();
    const b = m.bridges.get('B')!;
    expect(b.members).toEqual(['1.1', '1.2']);
    expect(b.twoPartySince).toBe(20);
    expect(b.technologyStale).toBe(true);
    m.setTechnology('B', 'native_rtp');
    expect(b.technologyStale).toBe(false);
  });

  it('takes a suspected recording as not native at once, disbelieving one native read', () => {
    const m = bridged();
    const b = m.bridges.get('B')!;
    m.setTechnology('B', 'native_rtp');
    expect([...m.apply({ kind: 'recording-suspected', channelId: '1.2' }, 30)]).toEqual(['B']);
    expect(b).toMatchObject({ technology: RECORDING_SUSPECTED, technologyStale: false });
    m.setTechnology('B', 'native_rtp'); // answered before the hook moved the bridge
    expect(b.technology).toBe(RECORDING_SUSPECTED);
    m.setTechnology('B', 'native_rtp'); // the hook never came: believed
    expect(b.technology).toBe('native_rtp');
    m.apply({ kind: 'recording-suspected', channelId: '1.1' }, 40);
    m.setTechnology('B', 'simple_bridge'); // the recording is on: the suspicion is over
    m.setTechnology('B', 'native_rtp'); // and so is the recording
    expect(b.technology).toBe('native_rtp');
  });

  it('reports the bridge dirty and resets the age when a member leaves', () => {
    const m = bridged();
    const dirty = m.apply({ kind: 'channel-left', bridgeId: 'B', channel: bob, memberCount: 1 }, 30);
    expect([...dirty]).toEqual(['B']);
    expect(m.bridges.get('B')!.twoPartySince).toBeNull();
    expect(m.channels.get('1.2')!.bridgeId).toBeNull();
  });

  it('removes a hung-up channel from its bridge', () => {
    const m = bridged();
    expect([
      ...m.apply({ kind: 'hangup', channelId: '1.1', cause: 16, causeText: 'Normal Clearing' }, 40),
    ]).toEqual(['B']);
    expect(m.channels.has('1.1')).toBe(false);
    expect(m.bridges.get('B')!.members).toEqual(['1.2']);
  });

  it('tracks hold, music on hold and audiohooks per channel', () => {
    const m = bridged();
    m.apply({ kind: 'channel-hold', channelId: '1.1' }, 1);
    m.apply({ kind: 'moh-start', channelId: '1.2' }, 1);
    m.apply({ kind: 'audiohook-start', channelId: '1.2', what: 'MixMonitor' }, 1);
    expect(m.channels.get('1.1')!.holding).toBe(true);
    expect(m.channels.get('1.2')!.hearingMoh).toBe(true);
    expect(m.channels.get('1.2')!.audiohooks).toBe(1);
    m.apply({ kind: 'channel-unhold', channelId: '1.1' }, 2);
    m.apply({ kind: 'audiohook-stop', channelId: '1.2', what: 'MixMonitor' }, 2);
    m.apply({ kind: 'audiohook-stop', channelId: '1.2', what: 'MixMonitor' }, 2);
    expect(m.channels.get('1.1')!.holding).toBe(false);
    expect(m.channels.get('1.2')!.audiohooks).toBe(0);
  });

  it('marks both legs stale on a media-path hint (re-INVITE leaves no event of its own)', () => {
    const m = bridged();
    m.setLeg('1.1', rtpLeg('1.1', v4('198.51.100.1', 10000), v4('198.51.100.10', 4000)));
    m.setLeg('1.2', rtpLeg('1.2', v4('198.51.100.1', 10002), v4('198.51.100.11', 4000)));
    expect(m.channels.get('1.1')!.legStale).toBe(false);
    m.apply({ kind: 'media-path-hint', channelId: '1.2' }, 5);
    expect(m.channels.get('1.1')!.legStale).toBe(true);
    expect(m.channels.get('1.2')!.legStale).toBe(true);
  });

  it('keeps the reports of at most four SSRCs per channel, the most recently reported', () => {
    const m = bridged();
    for (let ssrc = 1; ssrc <= 1000; ssrc++) {
      const block = { sourceSsrc: ssrc, fractionLost: 0, cumulativeLost: 0, highestSequence: ssrc };
      m.apply({ kind: 'rtcp-received', channelId: '1.1', from: null, reports: [block] }, ssrc);
    }
    const reports = m.channels.get('1.1')!.receivedReports;
    expect([...reports.keys()]).toEqual([997, 998, 999, 1000]);
  });

  it('counts RTCP from the remote only when it comes from the remote RTP port + 1', () => {
    const m = bridged();
    m.setLeg('1.1', rtpLeg('1.1', v4('198.51.100.1', 10000), v4('198.51.100.10', 4000)));
    m.apply({ kind: 'rtcp-received', channelId: '1.1', from: v4('198.51.100.99', 4001), reports: [] }, 5);
    expect(m.channels.get('1.1')!.rtcpFromRemoteAt).toBeNull();
    const dirty = m.apply(
      {
        kind: 'rtcp-received',
        channelId: '1.1',
        from: v4('198.51.100.10', 4001),
        reports: [{ sourceSsrc: 7, fractionLost: 0, cumulativeLost: 0, highestSequence: 99 }],
      },
      6,
    );
    expect(m.channels.get('1.1')!.rtcpFromRemoteAt).toBe(6);
    expect(m.channels.get('1.1')!.receivedReports.get(7)).toEqual({ highestSequence: 99, at: 6 });
    expect([...dirty]).toEqual(['B']);
    // A new remote address (re-INVITE) invalidates that evidence.
    m.setLeg('1.1', rtpLeg('1.1', v4('198.51.100.1', 10000), v4('198.51.100.12', 4000)));
    expect(m.channels.get('1.1')!.rtcpFromRemoteAt).toBeNull();
  });

  it('moves members on a merge and forgets the source bridge', () => {
    const m = bridged();
    m.apply({ kind: 'bridge-created', bridgeId: 'C', technology: 'simple_bridge', bridgeClass: 'basic' }, 0);
    const dirty = m.apply({ kind: 'bridge-merged', toBridgeId: 'C', fromBridgeId: 'B' }, 50);
    expect([...dirty].sort()).toEqual(['B', 'C']);
    expect(m.bridges.has('B')).toBe(false);
    expect(m.bridges.get('C')!.members).toEqual(['1.1', '1.2']);
    expect(m.channels.get('1.1')!.bridgeId).toBe('C');
  });

  it('swaps a channel in place (SwapUniqueid, as after a local-channel optimization)', () => {
    const m = bridged();
    const carol = channel('1.3', 'PJSIP/carol-00000003');
    m.apply(
      {
        kind: 'channel-entered',
        bridgeId: 'B',
        channel: carol,
        technology: 'simple_bridge',
        memberCount: 2,
        swapChannelId: '1.2',
      },
      60,
    );
    expect(m.bridges.get('B')!.members).toEqual(['1.1', '1.3']);
  });

  it('keeps what it knew across a resync and drops what is gone', () => {
    const m = bridged();
    m.apply({ kind: 'channel-hold', channelId: '1.1' }, 1);
    m.apply(
      { kind: 'bridge-created', bridgeId: 'OLD', technology: 'simple_bridge', bridgeClass: 'basic' },
      0,
    );
    const dirty = m.replaceAll(
      [{ id: 'B', technology: 'native_rtp', bridgeClass: 'basic', channels: [alice, bob] }],
      100,
    );
    expect([...dirty].sort()).toEqual(['B', 'OLD']);
    expect(m.bridges.has('OLD')).toBe(false);
    expect(m.bridges.get('B')!.technology).toBe('native_rtp');
    expect(m.bridges.get('B')!.twoPartySince).toBe(20);
    expect(m.channels.get('1.1')!.holding).toBe(true);
  });
});
