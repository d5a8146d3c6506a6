import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/asterisk/ami/logger.js';
import { resolveAmiOptions } from '../../../src/asterisk/ami/options.js';
import { AmiEventIntake } from '../../../src/asterisk/ami/event-intake.js';
import { AmiMessage } from '../../../src/asterisk/ami/message.js';
import { resolveAriOptions } from '../../../src/asterisk/ari/options.js';
import { AriFrameIntake } from '../../../src/asterisk/ari/frame-intake.js';
import type { PbxEvent } from '../../../src/model/pbx.js';
import { MalformedCounter, MalformedTally } from '../../../src/asterisk/shared/malformed-inputs.js';
import { SessionOpening } from '../../../src/asterisk/shared/session-opening.js';
import { TtlCache } from '../../../src/asterisk/shared/ttl-cache.js';

describe('TtlCache', () => {
  it('shares one load between concurrent callers, reloads after the lifetime, forgets failures', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>(100, () => now);
    const load = (): Promise<number> => Promise.resolve(++loads);
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    now = 99;
    expect(await cache.get('k', load)).toBe(1);
    now = 100;
    expect(await cache.get('k', load)).toBe(2);
    await expect(cache.get('bad', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await cache.get('bad', load)).toBe(3);
    cache.clear();
    expect(await cache.get('k', load)).toBe(4);
  });
});

describe('SessionOpening', () => {
  it('holds items while opening and hands them back with the restart verdict', () => {
    const o = new SessionOpening<string>();
    expect(o.hold('early')).toBe(false);
    o.begin();
    expect(o.hold('a')).toBe(true);
    expect(o.finish('t1')).toEqual({ restarted: false, held: ['a'] });
    expect(o.hold('b')).toBe(false);
    o.begin();
    expect(o.finish('')).toEqual({ restarted: false, held: [] }); // unknown: never a restart
    o.begin();
    expect(o.finish('t1').restarted).toBe(false);
    o.begin();
    o.hold('lost');
    o.abandon();
    expect(o.opening).toBe(false);
    o.begin();
    expect(o.finish('t2')).toEqual({ restarted: true, held: [] });
    expect(o.startupTime).toBe('t2');
  });
});

describe('source options', () => {
  it('resolve the common defaults once for both sources and hide the secret', () => {
    const ami = resolveAmiOptions({ username: 'u', secret: 's3cret', queue: { concurrency: 2 } });
    const ari = resolveAriOptions({ username: 'u', password: 'pw', url: 'http://192.0.2.1:8088//' });
    expect(ami.queue).toEqual({ concurrency: 2, intervalCap: 200, intervalMs: 1000 });
    expect(ari.queue).toEqual({ concurrency: 4, intervalCap: 200, intervalMs: 1000 });
    expect([ami.name, ari.name, ari.url]).toEqual(['ami', 'ari', 'http://192.0.2.1:8088']);
    expect([ami.requestTimeoutMs, ari.endpointCacheTtlMs]).toEqual([5000, 60_000]);
    expect(ami.secret).toBe('s3cret');
    expect(ari.password).toBe('pw');
    expect(JSON.stringify(ami)).not.toContain('s3cret');
    expect(JSON.stringify(ari)).not.toContain('pw');
  });
});

describe('event intake', () => {
  const tally = (): MalformedTally => new MalformedTally(new MalformedCounter({ logger: silentLogger, now: () => 0 }), 'test');

  it('AMI: delivers translated events, passes module loads and Shutdown on, counts what it cannot read', () => {
    const events: PbxEvent[] = [];
    const modules: string[] = [];
    const notes: string[] = [];
    const malformed = tally();
    const intake = new AmiEventIntake({
      malformed,
      deliver: (e) => events.push(e),
      moduleEvent: (m) => modules.push(m),
      shutdown: (n) => notes.push(n),
    });
    intake.handle(
      AmiMessage.fromPairs([
        ['Event', 'BridgeCreate'],
        ['BridgeUniqueid', 'b1'],
        ['BridgeType', 'basic'],
      ]),
    );
    intake.handle(
      AmiMessage.fromPairs([
        ['Event', 'Load'],
        ['Module', 'res_rtp_offload.so'],
      ]),
    );
    intake.handle(
      AmiMessage.fromPairs([
        ['Event', 'Shutdown'],
        ['Shutdown', 'Cleanly'],
        ['Restart', 'True'],
      ]),
    );
    intake.handle(AmiMessage.fromPairs([['Event', 'BridgeEnter']]));
    expect(events.map((e) => e.kind)).toEqual(['bridge-created']);
    expect(modules).toEqual(['res_rtp_offload.so']);
    expect(notes).toEqual(['Asterisk shutdown (Cleanly, restart True)']);
    expect(intake.malformedCount).toBe(1);
  });

  it('ARI: counts frames, unknown types and unreadable frames, delivers the rest', () => {
    const events: PbxEvent[] = [];
    const intake = new AriFrameIntake(tally(), (e) => events.push(e));
    intake.handle(
      '{"type":"BridgeDestroyed","bridge":{"id":"b1","technology":"simple_bridge","bridge_type":"mixing","channels":[]}}',
    );
    intake.handle('{"type":"NoSuchEvent"}');
    intake.handle('not json');
    expect(events.map((e) => e.kind)).toEqual(['bridge-destroyed']);
    expect([intake.frames, intake.unknownEvents]).toEqual([3, 1]);
  });
});
