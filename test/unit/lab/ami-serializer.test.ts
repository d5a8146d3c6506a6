import { describe, expect, it } from 'vitest';
import { bridgeEnter, hangup, rtcpEvent } from '../../../src/lab/pbx/ami/events.js';
import { messageOf } from '../../../src/lab/pbx/ami/message.js';
import { listAck, listComplete, response } from '../../../src/lab/pbx/ami/replies.js';
import { banner, serializeMessage } from '../../../src/lab/pbx/ami/serializer.js';
import { SimBridge, SimChannel } from '../../../src/lab/pbx/model/objects.js';
import { resolveEndpoint } from '../../../src/lab/pbx/options.js';
import type { RtpLeg } from '../../../src/lab/pbx/rtp/leg.js';

const CRLF = '\r\n';
const text = (...lines: string[]): string => lines.map((l) => l + CRLF).join('') + CRLF;

function bob(): SimChannel {
  const ep = resolveEndpoint('bob', { extension: '2002', displayName: 'Bob' });
  const c = new SimChannel(
    'PJSIP/bob-00000007',
    '1754470001.14',
    '1754470001.13',
    ep,
    {} as RtpLeg,
    'callid',
    0,
    { context: 'internal', exten: '2002', appl: 'AppDial', data: '(Outgoing Line)' },
  );
  c.state = 6;
  c.connectedNum = '2001';
  c.connectedName = 'Alice';
  return c;
}

describe('AMI serialization', () => {
  it('writes the banner of each version', () => {
    expect(banner('9.0.0')).toBe('Asterisk Call Manager/9.0.0\r\n');
    expect(banner('11.0.0')).toBe('Asterisk Call Manager/11.0.0\r\n');
  });

  it('writes CRLF lines, keeps empty values as "Name: ", and ends with a blank line', () => {
    expect(
      serializeMessage([
        ['Response', 'Success'],
        ['AccountCode', ''],
      ]),
    ).toBe('Response: Success\r\nAccountCode: \r\n\r\n');
  });

  it('echoes ActionID only when the client sent one', () => {
    expect(serializeMessage(response(messageOf([['Action', 'Ping']]), 'Error', 'Permission denied'))).toBe(
      text('Response: Error', 'Message: Permission denied'),
    );
    expect(serializeMessage(response(messageOf([['ActionID', 'q9']]), 'Error', 'Permission denied'))).toBe(
      text('Response: Error', 'ActionID: q9', 'Message: Permission denied'),
    );
  });

  it('frames list actions as Asterisk does', () => {
    const msg = messageOf([
      ['Action', 'BridgeList'],
      ['ActionID', 'L1'],
    ]);
    expect(serializeMessage(listAck(msg, 'Bridge listing will follow'))).toBe(
      text('Response: Success', 'ActionID: L1', 'EventList: start', 'Message: Bridge listing will follow'),
    );
    expect(serializeMessage(listComplete(msg, 'BridgeListComplete', 3))).toBe(
      text('Event: BridgeListComplete', 'ActionID: L1', 'EventList: Complete', 'ListItems: 3'),
    );
  });

  it('builds BridgeEnter with the bridge block then the channel block (reference example)', () => {
    const b = new SimBridge('0b6e5c1a-3f2d-4c55-9a0e-7d1f2e3a4b5c', 0);
    const c = bob();
    b.channels.push(bob(), c);
    expect(
      serializeMessage([
        ['Event', 'BridgeEnter'],
        ['Privilege', 'call,all'],
        ...bridgeEnter(b, c, null).fields,
      ]),
    ).toBe(
      text(
        'Event: BridgeEnter',
        'Privilege: call,all',
        'BridgeUniqueid: 0b6e5c1a-3f2d-4c55-9a0e-7d1f2e3a4b5c',
        'BridgeType: basic',
        'BridgeTechnology: simple_bridge',
        'BridgeCreator: <unknown>',
        'BridgeName: <unknown>',
        'BridgeNumChannels: 2',
        'BridgeVideoSourceMode: none',
        'Channel: PJSIP/bob-00000007',
        'ChannelState: 6',
        'ChannelStateDesc: Up',
        'CallerIDNum: 2002',
        'CallerIDName: Bob',
        'ConnectedLineNum: 2001',
        'ConnectedLineName: Alice',
        'Language: en',
        'AccountCode: ',
        'Context: internal',
        'Exten: 2002',
        'Priority: 1',
        'Uniqueid: 1754470001.14',
        'Linkedid: 1754470001.13',
      ),
    );
  });

  it('prints <unknown> for empty caller and connected line', () => {
    const c = bob();
    c.connectedNum = '';
    c.connectedName = '';
    const fields = new Map(hangup(c, 16).fields);
    expect(fields.get('ConnectedLineNum')).toBe('<unknown>');
    expect(fields.get('ConnectedLineName')).toBe('<unknown>');
  });

  it('adds TechCause to Hangup only when it is non-zero', () => {
    expect(hangup(bob(), 16).fields.map(([k]) => k)).not.toContain('TechCause');
    const busy = new Map(hangup(bob(), 17, 486).fields);
    expect(busy.get('Cause-txt')).toBe('User busy');
    expect(busy.get('TechCause')).toBe('486');
  });

  it('puts the NTP-seconds word in RTCPReceived SSRC for an SR, and the real SSRC in report blocks', () => {
    const report = {
      type: 200 as const,
      ssrc: 0x11223344,
      sender: { ntpSeconds: 0xeb00_0001, ntpFraction: 0, rtpTimestamp: 160, packetCount: 5, octetCount: 800 },
      blocks: [
        {
          sourceSsrc: 0xaabbccdd,
          fractionLost: 0,
          cumulativeLost: 0,
          highestSequence: 0x1_0005,
          jitter: 3,
          lsr: 0,
          dlsr: 65536,
        },
      ],
    };
    const input = {
      channel: bob(),
      report,
      remote: { address: '198.51.100.23', port: 40013 },
      local: { address: '198.51.100.1', port: 10001 },
      rttSec: null,
      mes: 100,
    };
    const received = new Map(rtcpEvent('received', input).fields);
    expect(received.get('SSRC')).toBe('0xeb000001');
    expect(received.get('From')).toBe('198.51.100.23:40013');
    expect(received.get('RTT')).toBe('0.0000');
    expect(received.get('Report0SourceSSRC')).toBe('0xaabbccdd');
    expect(received.get('Report0HighestSequence')).toBe('5');
    expect(received.get('Report0SequenceNumberCycles')).toBe('1');
    expect(received.get('Report0DLSR')).toBe('1.0000');
    const sent = new Map(rtcpEvent('sent', input).fields);
    expect(sent.get('SSRC')).toBe('0x11223344');
    expect(sent.get('To')).toBe('198.51.100.23:40013');
    expect(sent.has('RTT')).toBe(false);
    expect(sent.get('PT')).toBe('200(SR)');
  });
});
