import { describe, expect, it } from 'vitest';
import { translateEvent } from '../../../src/asterisk/ami/event-translator.js';
import type { PbxEvent } from '../../../src/model/pbx.js';
import { amiText } from './helpers/blocks.js';

/** Channel block of PJSIP/bob-00000007 as Asterisk 22 prints it (Tenantid absent when unset). */
const bobPjsip = `Channel: PJSIP/bob-00000007
ChannelState: 6
ChannelStateDesc: Up
CallerIDNum: 2002
CallerIDName: Bob
ConnectedLineNum: 2001
ConnectedLineName: Alice
Language: en
AccountCode:
Context: internal
Exten: 2002
Priority: 1
Uniqueid: 1754470001.14
Linkedid: 1754470001.13`;

/** chan_sip channel of Asterisk 20 with a systemname-prefixed Uniqueid. */
const carolSip = `Channel: SIP/carol-phone-0000000a
ChannelState: 6
ChannelStateDesc: Up
CallerIDNum: 3003
CallerIDName: Carol
ConnectedLineNum: <unknown>
ConnectedLineName: <unknown>
Language: en
AccountCode: 
Context: from-sip
Exten: s
Priority: 4
Uniqueid: pbx1-1754470100.30
Linkedid: pbx1-1754470100.29`;

const bridge = `BridgeUniqueid: 0b6e5c1a-3f2d-4c55-9a0e-7d1f2e3a4b5c
BridgeType: basic
BridgeTechnology: simple_bridge
BridgeCreator: <unknown>
BridgeName: <unknown>
BridgeNumChannels: 2
BridgeVideoSourceMode: none`;

const B = '0b6e5c1a-3f2d-4c55-9a0e-7d1f2e3a4b5c';

const bob = {
  id: '1754470001.14',
  name: 'PJSIP/bob-00000007',
  driver: 'pjsip',
  endpoint: 'bob',
  state: 6,
  context: 'internal',
  exten: '2002',
  linkedId: '1754470001.13',
} as const;

const cases: [string, string, PbxEvent][] = [
  [
    'BridgeCreate (22)',
    `Event: BridgeCreate\nPrivilege: call,all\n${bridge.replace('BridgeNumChannels: 2', 'BridgeNumChannels: 0')}`,
    { kind: 'bridge-created', bridgeId: B, technology: 'simple_bridge', bridgeClass: 'basic' },
  ],
  [
    'BridgeEnter of a chan_pjsip channel keeps the stale technology and the count',
    `Event: BridgeEnter\nPrivilege: call,all\n${bridge}\n${bobPjsip}`,
    {
      kind: 'channel-entered',
      bridgeId: B,
      channel: bob,
      technology: 'simple_bridge',
      memberCount: 2,
      swapChannelId: null,
    },
  ],
  [
    'BridgeEnter of a chan_sip channel (20) with SwapUniqueid',
    `Event: BridgeEnter\nPrivilege: call,all\nTimestamp: 1754470100.123456\n${bridge}\n${carolSip}\nSwapUniqueid: pbx1-1754470100.31`,
    {
      kind: 'channel-entered',
      bridgeId: B,
      channel: {
        id: 'pbx1-1754470100.30',
        name: 'SIP/carol-phone-0000000a',
        driver: 'sip',
        endpoint: 'carol-phone',
        state: 6,
        context: 'from-sip',
        exten: 's',
        linkedId: 'pbx1-1754470100.29',
      },
      technology: 'simple_bridge',
      memberCount: 2,
      swapChannelId: 'pbx1-1754470100.31',
    },
  ],
  [
    'BridgeLeave',
    `Event: BridgeLeave\nPrivilege: call,all\n${bridge.replace('BridgeNumChannels: 2', 'BridgeNumChannels: 1')}\n${bobPjsip}`,
    { kind: 'channel-left', bridgeId: B, channel: bob, memberCount: 1 },
  ],
  [
    'BridgeDestroy',
    `Event: BridgeDestroy\nPrivilege: call,all\n${bridge}`,
    { kind: 'bridge-destroyed', bridgeId: B },
  ],
  [
    'BridgeMerge (To/From prefixed blocks)',
    `Event: BridgeMerge\nPrivilege: call,all\nToBridgeUniqueid: to-1\nToBridgeType: basic\nToBridgeTechnology: simple_bridge\nFromBridgeUniqueid: from-2\nFromBridgeType: basic\nFromBridgeTechnology: simple_bridge`,
    { kind: 'bridge-merged', toBridgeId: 'to-1', fromBridgeId: 'from-2' },
  ],
  [
    'Hold with MusicClass',
    `Event: Hold\nPrivilege: call,all\n${bobPjsip}\nMusicClass: default`,
    { kind: 'channel-hold', channelId: '1754470001.14' },
  ],
  [
    'Unhold',
    `Event: Unhold\nPrivilege: call,all\n${bobPjsip}`,
    { kind: 'channel-unhold', channelId: '1754470001.14' },
  ],
  [
    'MusicOnHoldStart with Class',
    `Event: MusicOnHoldStart\nPrivilege: call,all\n${bobPjsip}\nClass: default`,
    { kind: 'moh-start', channelId: '1754470001.14' },
  ],
  [
    'MusicOnHoldStop',
    `Event: MusicOnHoldStop\nPrivilege: call,all\n${bobPjsip}`,
    { kind: 'moh-stop', channelId: '1754470001.14' },
  ],
  [
    'MixMonitorStart',
    `Event: MixMonitorStart\nPrivilege: call,all\n${bobPjsip}`,
    { kind: 'audiohook-start', channelId: '1754470001.14', what: 'MixMonitor' },
  ],
  [
    'MixMonitorStop',
    `Event: MixMonitorStop\nPrivilege: call,all\n${bobPjsip}`,
    { kind: 'audiohook-stop', channelId: '1754470001.14', what: 'MixMonitor' },
  ],
  [
    'ChanSpyStart names the spyee',
    `Event: ChanSpyStart\nPrivilege: call,all\nSpyerChannel: PJSIP/sup-00000009\nSpyerUniqueid: 1754470002.20\nSpyeeChannel: PJSIP/bob-00000007\nSpyeeUniqueid: 1754470001.14`,
    { kind: 'audiohook-start', channelId: '1754470001.14', what: 'ChanSpy' },
  ],
  [
    'BlindTransfer',
    `Event: BlindTransfer\nPrivilege: call,all\nResult: Success\nTransfererChannel: PJSIP/bob-00000007\nTransfererUniqueid: 1754470001.14\nTransfereeChannel: PJSIP/alice-00000006\nTransfereeUniqueid: 1754470001.13\n${bridge}\nIsExternal: No\nContext: internal\nExtension: 2003`,
    {
      kind: 'blind-transfer',
      result: 'Success',
      bridgeId: B,
      transfererId: '1754470001.14',
      transfereeId: '1754470001.13',
    },
  ],
  [
    'AttendedTransfer to a bridge',
    `Event: AttendedTransfer\nPrivilege: call,all\nResult: Success\nOrigTransfererUniqueid: 1754470001.14\nOrigBridgeUniqueid: ${B}\nSecondTransfererUniqueid: 1754470001.16\nSecondBridgeUniqueid: second-b\nDestType: Bridge\nDestBridgeUniqueid: ${B}`,
    {
      kind: 'attended-transfer',
      result: 'Success',
      origBridgeId: B,
      secondBridgeId: 'second-b',
      destBridgeId: B,
      destType: 'Bridge',
    },
  ],
  [
    'AttendedTransfer that failed has no bridges',
    `Event: AttendedTransfer\nPrivilege: call,all\nResult: Fail\nDestType: Fail`,
    {
      kind: 'attended-transfer',
      result: 'Fail',
      origBridgeId: null,
      secondBridgeId: null,
      destBridgeId: null,
      destType: 'Fail',
    },
  ],
  [
    'LocalOptimizationBegin',
    `Event: LocalOptimizationBegin\nPrivilege: call,all\nLocalOneChannel: Local/2002@internal-00000003;1\nLocalOneUniqueid: 1754470001.20\nLocalTwoChannel: Local/2002@internal-00000003;2\nLocalTwoUniqueid: 1754470001.21\nSourceChannel: PJSIP/alice-00000006\nSourceUniqueid: 1754470001.13\nDestUniqueId: 1754470001.21\nId: 1`,
    {
      kind: 'local-optimization',
      phase: 'begin',
      channelIds: ['1754470001.20', '1754470001.21', '1754470001.13'],
    },
  ],
  [
    'LocalOptimizationEnd',
    `Event: LocalOptimizationEnd\nPrivilege: call,all\nLocalOneUniqueid: 1754470001.20\nLocalTwoUniqueid: 1754470001.21\nSuccess: Yes\nId: 1`,
    { kind: 'local-optimization', phase: 'end', channelIds: ['1754470001.20', '1754470001.21'] },
  ],
  [
    'VarSet BRIDGEPEER (the library turns Variable into an object)',
    `Event: VarSet\nPrivilege: dialplan,all\n${bobPjsip}\nVariable: BRIDGEPEER\nValue: PJSIP/alice-00000006`,
    { kind: 'media-path-hint', channelId: '1754470001.14' },
  ],
  [
    'VarSet BRIDGEPVTCALLID',
    `Event: VarSet\nPrivilege: dialplan,all\n${bobPjsip}\nVariable: BRIDGEPVTCALLID\nValue: 5f2c@198.51.100.20`,
    { kind: 'media-path-hint', channelId: '1754470001.14' },
  ],
  [
    'Hangup, normal clearing (no TechCause)',
    `Event: Hangup\nPrivilege: call,all\n${bobPjsip}\nCause: 16\nCause-txt: Normal Clearing`,
    { kind: 'hangup', channelId: '1754470001.14', cause: 16, causeText: 'Normal Clearing' },
  ],
  [
    'Hangup with TechCause (22.7+)',
    `Event: Hangup\nPrivilege: call,all\n${carolSip}\nCause: 17\nCause-txt: User busy\nTechCause: 486`,
    { kind: 'hangup', channelId: 'pbx1-1754470100.30', cause: 17, causeText: 'User busy' },
  ],
  [
    'RTCPReceived SR: report blocks, never the bogus SR SSRC',
    `Event: RTCPReceived\nPrivilege: reporting,all\n${bobPjsip}\nTo: 0.0.0.0:12165\nFrom: 198.51.100.23:40013\nRTT: 0.0000\nMES: 93.2\nSSRC: 0xeb3f2a10\nPT: 200(SR)\nReportCount: 1\nSentNTP: 1754470010.123456\nSentRTP: 160000\nSentPackets: 500\nSentOctets: 80000\nReport0SourceSSRC: 0x4cb651ec\nReport0FractionLost: 3\nReport0CumulativeLost: 12\nReport0HighestSequence: 22331\nReport0SequenceNumberCycles: 1\nReport0IAJitter: 4\nReport0LSR: 0\nReport0DLSR: 0.0000`,
    {
      kind: 'rtcp-received',
      channelId: '1754470001.14',
      from: { address: '198.51.100.23', port: 40013, family: 4 },
      reports: [
        { sourceSsrc: 0x4cb651ec, fractionLost: 3, cumulativeLost: 12, highestSequence: 65536 + 22331 },
      ],
    },
  ],
  [
    'RTCPSent RR with two blocks over IPv6',
    `Event: RTCPSent\nPrivilege: reporting,all\n${bobPjsip}\nTo: [2001:db8::23]:40013\nFrom: [::]:12165\nMES: 90.0\nSSRC: 0x11111111\nPT: 201(RR)\nReportCount: 2\nReport0SourceSSRC: 0x00000001\nReport0FractionLost: 0\nReport0CumulativeLost: 0\nReport0HighestSequence: 10\nReport0SequenceNumberCycles: 0\nReport0IAJitter: 0\nReport0LSR: 0\nReport0DLSR: 0.0000\nReport1SourceSSRC: 0xfffffffe\nReport1FractionLost: 255\nReport1CumulativeLost: 7\nReport1HighestSequence: 65535\nReport1SequenceNumberCycles: 2\nReport1IAJitter: 9\nReport1LSR: 1\nReport1DLSR: 0.5000`,
    {
      kind: 'rtcp-sent',
      channelId: '1754470001.14',
      to: { address: '2001:db8::23', port: 40013, family: 6 },
      reports: [
        { sourceSsrc: 1, fractionLost: 0, cumulativeLost: 0, highestSequence: 10 },
        { sourceSsrc: 0xfffffffe, fractionLost: 255, cumulativeLost: 7, highestSequence: 2 * 65536 + 65535 },
      ],
    },
  ],
  [
    'RTCPSent with no report blocks',
    `Event: RTCPSent\nPrivilege: reporting,all\n${bobPjsip}\nTo: 198.51.100.23:40013\nFrom: 0.0.0.0:12165\nSSRC: 0x11111111\nPT: 201(RR)\nReportCount: 0`,
    {
      kind: 'rtcp-sent',
      channelId: '1754470001.14',
      to: { address: '198.51.100.23', port: 40013, family: 4 },
      reports: [],
    },
  ],
];

describe('translateEvent', () => {
  it.each(cases)('%s', (_name, text, expected) => {
    expect(translateEvent(amiText(text))).toEqual({ kind: 'event', event: expected });
  });

  it.each([
    ['Newexten', `Event: Newexten\nPrivilege: dialplan,all\n${bobPjsip}\nExtension: 2002\nApplication: Dial`],
    [
      'VarSet of another variable',
      `Event: VarSet\nPrivilege: dialplan,all\n${bobPjsip}\nVariable: DIALSTATUS\nValue: ANSWER`,
    ],
    [
      'VarSet BRIDGEPEER emptied (the party leaves its bridge: hangup, transfer)',
      `Event: VarSet\nPrivilege: dialplan,all\n${bobPjsip}\nVariable: BRIDGEPEER\nValue: `,
    ],
    ['FullyBooted', `Event: FullyBooted\nPrivilege: system,all\nStatus: Fully Booted`],
    [
      'DTMFEnd',
      `Event: DTMFEnd\nPrivilege: dtmf,all\n${bobPjsip}\nDigit: 5\nDurationMs: 120\nDirection: Received`,
    ],
  ])('%s is ignored', (_name, text) => {
    expect(translateEvent(amiText(text)).kind).toBe('ignored');
  });

  it.each([
    [
      'BridgeEnter without Uniqueid',
      `Event: BridgeEnter\n${bridge}\n${bobPjsip.replace(/Uniqueid: .*\n/, '')}`,
      ['missing Uniqueid'],
    ],
    [
      'BridgeEnter with a bad member count',
      `Event: BridgeEnter\n${bridge.replace('NumChannels: 2', 'NumChannels: two')}\n${bobPjsip}`,
      ["BridgeNumChannels 'two' is not an integer"],
    ],
    ['BridgeDestroy without id', `Event: BridgeDestroy\nBridgeType: basic`, ['missing BridgeUniqueid']],
    [
      'Hangup with a bad cause',
      `Event: Hangup\n${bobPjsip}\nCause: sixteen\nCause-txt: ?`,
      ["Cause 'sixteen' is not an integer"],
    ],
    ['Hold without Uniqueid', `Event: Hold\nChannel: PJSIP/bob-00000007`, ['missing Uniqueid']],
    [
      'RTCPReceived with a bad SSRC',
      `Event: RTCPReceived\n${bobPjsip}\nFrom: 198.51.100.23:40013\nReportCount: 1\nReport0SourceSSRC: 0xZZ\nReport0FractionLost: 0\nReport0CumulativeLost: 0\nReport0HighestSequence: 1`,
      ["Report0SourceSSRC '0xZZ' is not a 32-bit hex number"],
    ],
    [
      'RTCPReceived missing a block it announced',
      `Event: RTCPReceived\n${bobPjsip}\nFrom: 198.51.100.23:40013\nReportCount: 1`,
      ['missing Report0SourceSSRC'],
    ],
    [
      'RTCPReceived with an unparseable From',
      `Event: RTCPReceived\n${bobPjsip}\nFrom: not-an-address:x\nReportCount: 0`,
      ["From 'not-an-address:x' is not an address ('not-an-address' is not an IP address)"],
    ],
  ])('%s is malformed, with what was wrong', (_name, text, problems) => {
    expect(translateEvent(amiText(text))).toMatchObject({ kind: 'malformed', problems });
  });

  it('a message without Event is malformed, not thrown', () => {
    expect(translateEvent(amiText('Privilege: call,all\nUniqueid: 1.2')).kind).toBe('malformed');
  });
});
