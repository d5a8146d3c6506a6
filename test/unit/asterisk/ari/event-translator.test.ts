import { describe, expect, it } from 'vitest';
import { translateAriEvent, translateAriFrame } from '../../../../src/asterisk/ari/event-translator.js';
import { ariFrames, SCENARIOS } from './fixtures.js';
import { summarize } from './summary.js';

/**
 * Translated sequences of the recorded 22.11 sockets; hints collapsed per channel as AriSource does.
 * BRIDGEPEER/BRIDGEPVTCALLID emptied (a party leaving: hangup, transfer) are not hints.
 */
const EXPECTED: Record<(typeof SCENARIOS)[number], string[]> = {
  'basic-call': [
    'bridge-created B1 simple_bridge basic',
    'entered B1 bob n=1 simple_bridge',
    'entered B1 alice n=2 simple_bridge',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'left B1 alice n=1',
    'hangup alice 16 Normal Clearing',
    'left B1 bob n=0',
    'bridge-destroyed B1',
    'hangup bob 16 Normal Clearing',
  ],
  'hold-unhold': [
    'bridge-created B1 simple_bridge basic',
    'entered B1 bob n=1 simple_bridge',
    'entered B1 alice n=2 simple_bridge',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'channel-hold alice',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'channel-unhold alice',
    'left B1 alice n=1',
    'left B1 bob n=0',
    'hangup alice 16 Normal Clearing',
    'hangup bob 16 Normal Clearing',
    'bridge-destroyed B1',
  ],
  mixmonitor: [
    'bridge-created B1 simple_bridge basic',
    'entered B1 bob n=1 simple_bridge',
    'entered B1 alice n=2 simple_bridge',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'recording-suspected alice',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'left B1 alice n=1',
    'hangup alice 16 Normal Clearing',
    'left B1 bob n=0',
    'bridge-destroyed B1',
    'hangup bob 16 Normal Clearing',
  ],
  'blind-transfer': [
    'bridge-created B1 simple_bridge basic',
    'entered B1 bob n=1 simple_bridge',
    'entered B1 alice n=2 simple_bridge',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'channel-unhold alice',
    'blind-transfer Success B1 alice->bob',
    'left B1 bob n=1',
    'left B1 alice n=0',
    'bridge-destroyed B1',
    'hangup alice 16 Normal Clearing',
    'bridge-created B2 simple_bridge basic',
    'entered B2 carol n=1 simple_bridge',
    'entered B2 bob n=2 simple_bridge',
    'media-path-hint bob',
    'media-path-hint carol',
    'media-path-hint bob',
    'media-path-hint carol',
    'media-path-hint bob',
    'media-path-hint carol',
    'left B2 bob n=1',
    'hangup bob 16 Normal Clearing',
    'left B2 carol n=0',
    'bridge-destroyed B2',
    'hangup carol 16 Normal Clearing',
  ],
  'attended-transfer': [
    'bridge-created B1 simple_bridge basic',
    'entered B1 bob n=1 simple_bridge',
    'entered B1 alice n=2 simple_bridge',
    'media-path-hint bob',
    'media-path-hint alice',
    'channel-hold alice',
    'bridge-created B2 simple_bridge basic',
    'entered B2 2003@internal;1 n=1 simple_bridge',
    'left B1 alice n=1',
    'entered B2 alice n=2 simple_bridge',
    'media-path-hint 2003@internal;1',
    'media-path-hint alice',
    'bridge-created B3 simple_bridge basic',
    'media-path-hint 2003@internal;1',
    'media-path-hint alice',
    'entered B3 carol n=1 simple_bridge',
    'entered B3 2003@internal;2 n=2 simple_bridge',
    'media-path-hint carol',
    'media-path-hint 2003@internal;2',
    'bridge-merged B2->B1',
    'left B2 2003@internal;1 n=1',
    'entered B1 2003@internal;1 n=2 simple_bridge',
    'media-path-hint bob',
    'media-path-hint 2003@internal;1',
    'left B2 alice n=0',
    'attended-transfer Success B1 B2 bridge:B1',
    'bridge-destroyed B2',
    'hangup alice 16 Normal Clearing',
    'left B1 bob n=1',
    'left B3 2003@internal;2 n=1',
    'entered B3 bob n=2 simple_bridge',
    'media-path-hint bob',
    'media-path-hint carol',
    'media-path-hint bob',
    'left B1 2003@internal;1 n=0',
    'bridge-destroyed B1',
    'hangup 2003@internal;1 16 Normal Clearing',
    'media-path-hint carol',
    'media-path-hint bob',
    'media-path-hint carol',
    'hangup 2003@internal;2 16 Normal Clearing',
    'left B3 bob n=1',
    'left B3 carol n=0',
    'bridge-destroyed B3',
    'hangup bob 16 Normal Clearing',
    'hangup carol 16 Normal Clearing',
  ],
  'rtp-timeout': [
    'bridge-created B1 simple_bridge basic',
    'entered B1 dave n=1 simple_bridge',
    'entered B1 alice n=2 simple_bridge',
    'media-path-hint alice',
    'media-path-hint dave',
    'media-path-hint alice',
    'media-path-hint dave',
    'media-path-hint alice',
    'media-path-hint dave',
    'left B1 dave n=1',
    'left B1 alice n=0',
    'bridge-destroyed B1',
    'hangup dave 44 Requested channel not available',
    'hangup alice 16 Normal Clearing',
  ],
  'rtcp-mux': [
    'bridge-created B1 simple_bridge basic',
    'entered B1 erin n=1 simple_bridge',
    'entered B1 alice n=2 simple_bridge',
    'media-path-hint alice',
    'media-path-hint erin',
    'media-path-hint alice',
    'media-path-hint erin',
    'media-path-hint alice',
    'media-path-hint erin',
    'left B1 alice n=1',
    'left B1 erin n=0',
    'bridge-destroyed B1',
    'hangup alice 16 Normal Clearing',
    'hangup erin 16 Normal Clearing',
  ],
  sdes: [
    'bridge-created B1 simple_bridge basic',
    'entered B1 sdesb n=1 simple_bridge',
    'entered B1 sdesa n=2 simple_bridge',
    'media-path-hint sdesb',
    'media-path-hint sdesa',
    'left B1 sdesa n=1',
    'left B1 sdesb n=0',
    'bridge-destroyed B1',
    'hangup sdesa 16 Normal Clearing',
    'hangup sdesb 16 Normal Clearing',
  ],
  'learned-address': [
    'bridge-created B1 simple_bridge basic',
    'entered B1 bob n=1 simple_bridge',
    'entered B1 alice n=2 simple_bridge',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'media-path-hint alice',
    'media-path-hint bob',
    'left B1 alice n=1',
    'left B1 bob n=0',
    'bridge-destroyed B1',
    'hangup alice 16 Normal Clearing',
    'hangup bob 16 Normal Clearing',
  ],
};

describe('ARI events of the Asterisk 22.11 transcripts', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario}: every frame is translated or knowingly ignored`, () => {
      for (const frame of ariFrames(scenario)) {
        const t = translateAriFrame(frame);
        expect(t.kind, frame.slice(0, 120)).toMatch(/^(event|ignored)$/);
      }
    });
    it(`${scenario}: translates to the recorded call's events in order`, () => {
      expect(summarize(ariFrames(scenario))).toEqual(EXPECTED[scenario]);
    });
  }

  it('reads the channel block: Uniqueid, name, driver, endpoint, state Up = 6, dialplan, no linkedid', () => {
    const frame = ariFrames('basic-call').find(
      (f) => f.includes('"ChannelEnteredBridge"') && f.includes('alice'),
    );
    const t = translateAriFrame(frame ?? '');
    expect(t.kind).toBe('event');
    if (t.kind !== 'event' || t.event.kind !== 'channel-entered') throw new Error('not channel-entered');
    expect(t.event.channel).toEqual({
      id: expect.stringMatching(/^\d+\.\d+$/),
      name: 'PJSIP/alice-00000000',
      driver: 'pjsip',
      endpoint: 'alice',
      state: 6,
      context: 'internal',
      exten: '2002',
      linkedId: '',
    });
    expect(t.event.swapChannelId).toBeNull();
  });

  it('reports the stale technology of the join snapshot, as AMI BridgeEnter does', () => {
    const joins = ariFrames('basic-call')
      .map((f) => translateAriFrame(f))
      .flatMap((t) => (t.kind === 'event' && t.event.kind === 'channel-entered' ? [t.event] : []));
    expect(joins.map((j) => [j.memberCount, j.technology])).toEqual([
      [1, 'simple_bridge'],
      [2, 'simple_bridge'],
    ]);
  });

  it('has no MixMonitor event: MIXMONITOR_FILENAME is passed on as a suspected recording', () => {
    const frame = ariFrames('mixmonitor').find((f) => f.includes('"MIXMONITOR_FILENAME"'));
    const t = translateAriFrame(frame ?? '');
    expect(t).toEqual({
      kind: 'event',
      event: { kind: 'recording-suspected', channelId: expect.any(String) },
    });
    const types = new Set(ariFrames('mixmonitor').map((f) => (JSON.parse(f) as { type: string }).type));
    expect([...types].filter((x) => /mixmonitor|audiohook|moh|music/i.test(x))).toEqual([]);
  });

  it('reads BridgeAttendedTransfer: first/second leg bridges and destination_bridge', () => {
    const frame = ariFrames('attended-transfer').find((f) => f.includes('"BridgeAttendedTransfer"'));
    const raw = JSON.parse(frame ?? '{}') as {
      transferer_first_leg_bridge: { id: string };
      transferer_second_leg_bridge: { id: string };
      destination_bridge: string;
    };
    expect(translateAriFrame(frame ?? '')).toEqual({
      kind: 'event',
      event: {
        kind: 'attended-transfer',
        result: 'Success',
        origBridgeId: raw.transferer_first_leg_bridge.id,
        secondBridgeId: raw.transferer_second_leg_bridge.id,
        destBridgeId: raw.destination_bridge,
        destType: 'bridge',
      },
    });
  });
});

describe('malformed and unknown ARI events', () => {
  const channel = {
    id: '1.1',
    name: 'PJSIP/alice-00000001',
    state: 'Up',
    dialplan: { context: 'c', exten: 'e' },
  };
  const bridge = { id: 'b1', technology: 'native_rtp', bridge_class: 'basic', channels: ['1.1'] };

  it.each([
    ['not JSON', '{"type":', /not JSON/],
    ['not an object', '[1,2]', /not a JSON object/],
    ['no type', '{"channel":{}}', /missing type/],
  ])('a frame that is %s is malformed', (_what, text, why) => {
    const t = translateAriFrame(text);
    expect(t.kind).toBe('malformed');
    if (t.kind === 'malformed') expect(t.problems.join()).toMatch(why);
  });

  it('an event type not in events.json is unknown, not thrown', () => {
    expect(translateAriEvent({ type: 'ChannelTeleported', channel })).toEqual({
      kind: 'unknown',
      eventType: 'ChannelTeleported',
    });
  });

  it('names each missing or mistyped field', () => {
    expect(translateAriEvent({ type: 'ChannelEnteredBridge', bridge })).toEqual({
      kind: 'malformed',
      eventType: 'ChannelEnteredBridge',
      problems: ["channel 'undefined' is not a Channel object"],
    });
    const t = translateAriEvent({
      type: 'ChannelLeftBridge',
      bridge: { ...bridge, channels: 'x' },
      channel: { ...channel, state: 'Levitating' },
    });
    expect(t.kind === 'malformed' && t.problems).toEqual([
      'bridge.channels \'"x"\' is not an array of strings',
      "channel.state 'Levitating' is not a channel state",
    ]);
    expect(translateAriEvent({ type: 'ChannelDestroyed', channel, cause: '16' })).toEqual({
      kind: 'malformed',
      eventType: 'ChannelDestroyed',
      problems: ['cause \'"16"\' is not an integer'],
    });
    expect(translateAriEvent({ type: 'ChannelHold', channel: { name: 'x' } })).toEqual({
      kind: 'malformed',
      eventType: 'ChannelHold',
      problems: ['missing channel.id'],
    });
  });

  it('ignores a global ChannelVarset (no channel) and other variables', () => {
    expect(translateAriEvent({ type: 'ChannelVarset', variable: 'BRIDGEPEER', value: '' }).kind).toBe(
      'ignored',
    );
    expect(
      translateAriEvent({ type: 'ChannelVarset', variable: 'DIALSTATUS', value: 'ANSWER', channel }).kind,
    ).toBe('ignored');
  });

  it('reads state "Unknown (n)" and tolerates a missing dialplan', () => {
    const t = translateAriEvent({
      type: 'ChannelEnteredBridge',
      bridge,
      channel: { id: '1.2', name: 'Local/x@y-00000001;1', state: 'Unknown (12)' },
    });
    expect(t.kind === 'event' && t.event.kind === 'channel-entered' && t.event.channel).toMatchObject({
      driver: 'local',
      endpoint: null,
      state: 12,
      context: '',
    });
  });
});
