import { describe, expect, it } from 'vitest';
import {
  endpointFactsFromDetail,
  sipPeerDirectMedia,
  tosToDscp,
} from '../../../src/asterisk/ami/endpoint-facts.js';
import { amiText } from './helpers/blocks.js';

describe('tos_audio → DSCP', () => {
  it.each([
    ['ef', 46],
    ['EF', 46],
    ['0xb8', 46],
    ['184', 46],
    ['cs3', 24],
    ['96', 24],
    ['af41', 34],
    ['0', 0],
    ['cs0', 0],
    ['0270', 46], // octal, as sscanf %i reads it
  ])('%j → %i', (text, dscp) => {
    expect(tosToDscp(text)).toBe(dscp);
  });

  it.each([[''], ['fast'], ['0xzz']])('%j is not a TOS value', (text) => {
    expect(tosToDscp(text)).toBeNull();
  });
});

const detail = `Event: EndpointDetail
ActionID: rtpo-1-9
ObjectType: endpoint
ObjectName: alice-desk
Context: internal
Disallow:
Allow: (ulaw|alaw)
DtmfMode: rfc4733
RtpIpv6: false
RtpSymmetric: true
IceSupport: false
DirectMedia: true
MediaEncryption: no
RtpTimeout: 30
RtpTimeoutHold: 0
RtpKeepalive: 0
RtcpMux: false
TosAudio: 184
CosAudio: 0
DeviceState: Not in use
ActiveChannels: `;

describe('EndpointDetail → EndpointFacts', () => {
  it('reads the CamelCase sorcery fields', () => {
    expect(endpointFactsFromDetail(amiText(detail))).toEqual({
      kind: 'facts',
      facts: {
        endpoint: 'alice-desk',
        rtpTimeout: 30,
        rtpTimeoutHold: 0,
        rtpKeepalive: 0,
        iceSupport: false,
        rtcpMux: false,
        directMedia: true,
        mediaEncryption: 'no',
        tosAudioDscp: 46,
        dtmfMode: 'rfc4733',
      },
    });
  });

  it('reports bad or missing fields instead of guessing', () => {
    const bad = detail.replace('RtpTimeout: 30', 'RtpTimeout: soon').replace('IceSupport: false\n', '');
    const r = endpointFactsFromDetail(amiText(bad));
    expect(r.kind).toBe('malformed');
    if (r.kind === 'malformed') {
      expect(r.problems).toContain("RtpTimeout 'soon' is not an integer");
      expect(r.problems).toContain('missing IceSupport');
    }
  });

  it('reads chan_sip SIPshowpeer directmedia', () => {
    expect(sipPeerDirectMedia(amiText('Response: Success\nSIP-DirectMedia: N'))).toBe(false);
    expect(sipPeerDirectMedia(amiText('Response: Success\nSIP-DirectMedia: Y'))).toBe(true);
    expect(sipPeerDirectMedia(amiText('Response: Success'))).toBeNull();
  });
});
