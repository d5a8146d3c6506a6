import { describe, expect, it } from 'vitest';
import { header, type AmiMessage } from '../../src/lab/recorder/ami.js';
import { isMarker, type TranscriptEntry } from '../../src/lab/recorder/transcript.js';
import { amiReceived, loadFixture } from './fixtures.js';

/**
 * Facts of the transcripts the end-to-end suite recorded on Asterisk 22.10.1 (a 486 answer,
 * and a re-INVITE to another media port with the phone moving or staying), which the
 * agent's handling depends on.
 */

/** AMI replies between two markers. */
function between(entries: readonly TranscriptEntry[], from: string, to: string): AmiMessage[] {
  const start = entries.findIndex((e) => isMarker(e) && e.marker === from);
  const end = entries.findIndex((e, i) => i > start && isMarker(e) && e.marker === to);
  expect(start, `marker ${from}`).toBeGreaterThanOrEqual(0);
  return amiReceived(entries.slice(start, end < 0 ? undefined : end));
}

const destOf = (replies: AmiMessage[]): string | undefined =>
  header(
    replies.find((m) => header(m, 'Variable') === 'CHANNEL(rtp,dest)')!,
    'Value',
  );

describe('recorded by the end-to-end suite', () => {
  it('486 Busy Here: no bridge; both legs hang up with Cause 17 and TechCause 486', () => {
    const msgs = amiReceived(loadFixture('busy-486'));
    expect(msgs.some((m) => header(m, 'Event') === 'BridgeEnter')).toBe(false);
    const hangups = msgs.filter((m) => header(m, 'Event') === 'Hangup');
    expect(
      hangups.map((m) => [header(m, 'ChannelStateDesc'), header(m, 'Cause'), header(m, 'TechCause')]),
    ).toEqual([
      ['Ringing', '17', '486'],
      ['Busy', '17', '486'],
    ]);
  });

  it('re-INVITE to a new port, phone staying: CHANNEL(rtp,dest) keeps the old, learned port', () => {
    const t = loadFixture('reinvite-port-staying');
    const before = destOf(between(t, 'getvar:before-reinvite', 'reinvite-seen'));
    const after1 = destOf(between(t, 'getvar:after-reinvite-1s', 'getvar:after-reinvite-8s'));
    const after8 = destOf(between(t, 'getvar:after-reinvite-8s', 'close'));
    expect(before).toMatch(/:20000$/);
    expect(after1).toBe(before);
    expect(after8).toBe(before);
  });

  it('re-INVITE to a new port, phone moving: CHANNEL(rtp,dest) follows to the new port', () => {
    const t = loadFixture('reinvite-port-moving');
    expect(destOf(between(t, 'getvar:before-reinvite', 'reinvite-seen'))).toMatch(/:20000$/);
    expect(destOf(between(t, 'getvar:after-reinvite-1s', 'getvar:after-reinvite-8s'))).toMatch(/:20002$/);
  });

  it('a re-INVITE re-sends BRIDGEPEER on both channels, with no event of its own', () => {
    const t = loadFixture('reinvite-port-staying');
    // The phones were in the bridge for seconds before the reads; what follows is the re-INVITE's.
    const before = between(t, 'getvar:before-reinvite', 'reinvite-seen');
    const peers = before.filter(
      (m) => header(m, 'Event') === 'VarSet' && header(m, 'Variable') === 'BRIDGEPEER',
    );
    expect(new Set(peers.map((m) => header(m, 'Uniqueid'))).size).toBe(2);
    const names = new Set(before.map((m) => header(m, 'Event')));
    for (const none of ['Hold', 'Unhold', 'BridgeLeave']) expect(names.has(none)).toBe(false);
  });
});
