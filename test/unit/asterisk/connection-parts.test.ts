import type Manager from 'asterisk-manager';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AmiListenerHub, Listeners } from '../../../src/asterisk/ami/listeners.js';
import { AmiMessage } from '../../../src/asterisk/ami/message.js';
import { RequestTracker, zeroCounters } from '../../../src/asterisk/ami/request-tracker.js';
import { Keepalive, OneShotTimer, ReconnectSchedule } from '../../../src/asterisk/ami/session-timers.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Reply = (err: Manager.Message | undefined, res: Manager.Message) => void;

/** Just what the tracker uses of a library instance: action() and removeAllListeners(). */
function fakeManager() {
  const sent: { fields: Manager.Action; reply: Reply }[] = [];
  const removed: string[] = [];
  const manager = {
    action: (fields: Manager.Action, reply: Reply) => void sent.push({ fields, reply }),
    removeAllListeners: (id: string) => void removed.push(id),
  } as unknown as Manager.Instance;
  return { manager, sent, removed };
}

function tracker(epoch = { now: 1 }) {
  const stats = zeroCounters();
  const thrown: string[] = [];
  const t = new RequestTracker(
    {
      requestTimeoutMs: 1000,
      actionIdPrefix: 'rtpo-',
      currentEpoch: () => epoch.now,
      guarded: (_what, deliver) => {
        try {
          deliver();
        } catch (err) {
          thrown.push((err as Error).message);
        }
      },
    },
    stats,
  );
  return { t, stats, epoch, thrown };
}

const msg = (fields: Record<string, string>): AmiMessage => AmiMessage.fromLibrary(fields);

describe('RequestTracker', () => {
  it('sends under an ActionID of the current epoch and resolves with the reply', async () => {
    const { t, stats } = tracker();
    const { manager, sent } = fakeManager();
    const p = t.send(manager, { Action: 'Getvar', Variable: 'X' }, false);
    expect(sent[0]!.fields).toEqual({ action: 'Getvar', actionid: 'rtpo-1-1', Variable: 'X' });
    sent[0]!.reply(undefined, { response: 'Success', value: '7' });
    const reply = (await p) as AmiMessage;
    expect(reply.get('Value')).toBe('7');
    expect(stats.requests).toBe(1);
    expect(stats.bytesIn).toBeGreaterThan(0);
    expect(t.size).toBe(0);
  });

  it('rejects with AmiError on Response: Error', async () => {
    const { t } = tracker();
    const { manager, sent } = fakeManager();
    const p = t.send(manager, { Action: 'Getvar' }, false);
    sent[0]!.reply(undefined, { response: 'Error', message: 'No such channel' });
    await expect(p).rejects.toMatchObject({ code: 'AMI_ERROR', amiMessage: 'No such channel' });
  });

  it('times out, counts it and drops the library listener', async () => {
    const { t, stats } = tracker();
    const { manager, removed } = fakeManager();
    const p = t.send(manager, { Action: 'Ping' }, false);
    const settled = expect(p).rejects.toMatchObject({ code: 'AMI_TIMEOUT' });
    vi.advanceTimersByTime(1000);
    await settled;
    expect(stats.timeouts).toBe(1);
    expect(removed).toEqual(['rtpo-1-1']);
  });

  it('ignores a reply that arrives after the epoch moved on', async () => {
    const { t, epoch } = tracker();
    const { manager, sent } = fakeManager();
    const p = t.send(manager, { Action: 'Ping' }, false);
    epoch.now = 2;
    sent[0]!.reply(undefined, { response: 'Success' });
    expect(t.size).toBe(1);
    t.rejectAll('gone');
    await expect(p).rejects.toMatchObject({ code: 'AMI_DISCONNECTED' });
  });

  it('collects a list from ack and item events, the wait re-armed per item', async () => {
    const { t } = tracker();
    const { manager, sent } = fakeManager();
    const p = t.send(manager, { Action: 'BridgeList' }, true);
    sent[0]!.reply(undefined, { response: 'Success', eventlist: 'start' });
    vi.advanceTimersByTime(900);
    expect(t.onEvent(msg({ event: 'BridgeListItem', actionid: 'rtpo-1-1' }), manager)).toBe(true);
    vi.advanceTimersByTime(900);
    expect(
      t.onEvent(msg({ event: 'BridgeListComplete', actionid: 'rtpo-1-1', eventlist: 'Complete' }), manager),
    ).toBe(true);
    const result = await p;
    expect('items' in result && result.items.length).toBe(1);
  });

  it('claims events with our prefix only, a late one included', () => {
    const { t } = tracker();
    const { manager } = fakeManager();
    expect(t.onEvent(msg({ event: 'Newchannel' }), manager)).toBe(false);
    expect(t.onEvent(msg({ event: 'X', actionid: 'other-1' }), manager)).toBe(false);
    expect(t.onEvent(msg({ event: 'X', actionid: 'rtpo-9-9' }), manager)).toBe(true);
  });
});

describe('session timers', () => {
  it('OneShotTimer fires once; arming again replaces the pending one', () => {
    const timer = new OneShotTimer();
    const fired: string[] = [];
    timer.arm(100, () => fired.push('a'));
    timer.arm(100, () => fired.push('b'));
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['b']);
    expect(timer.armed).toBe(false);
    timer.arm(100, () => fired.push('c'));
    timer.clear();
    vi.advanceTimersByTime(200);
    expect(fired).toEqual(['b']);
  });

  it('Keepalive ticks each interval until stopped, and never with interval 0', () => {
    let ticks = 0;
    const k = new Keepalive(100);
    k.start(() => ticks++);
    vi.advanceTimersByTime(350);
    k.stop();
    vi.advanceTimersByTime(500);
    expect(ticks).toBe(3);
    const off = new Keepalive(0);
    off.start(() => ticks++);
    expect(off.running).toBe(false);
  });

  it('ReconnectSchedule backs off per attempt and resets once established', () => {
    const r = new ReconnectSchedule(
      { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 },
      () => 0.5,
    );
    let runs = 0;
    const first = r.schedule(() => runs++);
    const second = r.schedule(() => runs++);
    expect(second).toBeGreaterThan(first);
    expect(r.attempt).toBe(2);
    vi.advanceTimersByTime(second);
    expect(runs).toBe(1);
    expect(r.established()).toBe(false);
    expect(r.established()).toBe(true);
    expect(r.attempt).toBe(0);
    expect(r.schedule(() => runs++)).toBe(first);
    r.cancel();
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(1);
  });
});

describe('AmiListenerHub', () => {
  it('calls listeners in order and turns a throwing callback into a malformed report', () => {
    const hub = new AmiListenerHub();
    const seen: string[] = [];
    hub.malformed.add((what, detail) => seen.push(`${what}:${detail}`));
    hub.guarded('event', () => {
      throw new Error('bad header');
    });
    const l = new Listeners<[number]>();
    l.add((n) => seen.push(`1:${n}`));
    l.add((n) => seen.push(`2:${n}`));
    l.emit(5);
    expect(seen).toEqual(['event:bad header', '1:5', '2:5']);
  });
});
