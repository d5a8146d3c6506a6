import { describe, expect, it } from 'vitest';
import { AmiError } from '../../../src/asterisk/ami/errors.js';
import type { AmiAction, AmiListResult } from '../../../src/asterisk/ami/list-action.js';
import { silentLogger } from '../../../src/asterisk/ami/logger.js';
import { AmiMessage } from '../../../src/asterisk/ami/message.js';
import { ModuleBatcher } from '../../../src/asterisk/ami/module-batcher.js';
import type { ModuleAmiConnection } from '../../../src/asterisk/module/index.js';

const empty = (): AmiListResult => ({
  ack: AmiMessage.fromPairs([['Response', 'Success']]),
  items: [],
  complete: AmiMessage.fromPairs([
    ['EventList', 'Complete'],
    ['ListItems', '0'],
  ]),
  bytes: 0,
});

/** An AMI peer: ListCommands with or without the module's action, and RtpOffloadList replies. */
function peer(
  loaded: boolean,
  hold?: Promise<void>,
): ModuleAmiConnection & { lists: AmiAction[]; requests: number } {
  const p = {
    lists: [] as AmiAction[],
    requests: 0,
    async request(_action: AmiAction) {
      p.requests++;
      return AmiMessage.fromPairs(
        loaded
          ? [
              ['Response', 'Success'],
              ['RtpOffloadList', 'List bridged RTP pairs  (Priv: reporting,all)'],
            ]
          : [['Response', 'Success']],
      );
    },
    async requestList(action: AmiAction) {
      p.requests++;
      if (!loaded)
        throw new AmiError(
          String(action.Action),
          'Invalid/unknown command: RtpOffloadList. Use Action: ListCommands to show available commands.',
        );
      p.lists.push(action);
      await hold;
      return empty();
    },
  };
  return p;
}

describe('reading legs through res_rtp_offload', () => {
  it('finds the module absent once and then costs nothing more', async () => {
    const conn = peer(false);
    const b = new ModuleBatcher(conn, { now: () => 0, logger: silentLogger });
    expect(await b.leg('1.1')).toBeNull();
    const after = conn.requests;
    expect(await b.leg('1.2')).toBeNull();
    expect(await b.bridges(['B'])).toEqual(new Map());
    expect(conn.requests).toBe(after);
    expect(b.loaded).toBe(false);
  });

  it('asks everything of one tick in one listing filtered to those channels and bridges', async () => {
    const conn = peer(true);
    const b = new ModuleBatcher(conn, { now: () => 0, logger: silentLogger });
    await b.leg('0.0'); // detection
    conn.lists.length = 0;
    await Promise.all([b.leg('1.1'), b.leg('1.2'), b.bridges(['B1', 'B2'])]);
    expect(conn.lists).toHaveLength(1);
    expect(conn.lists[0]).toMatchObject({ Action: 'RtpOffloadList', Technology: 'all' });
    const sent = JSON.stringify(conn.lists[0]);
    for (const id of ['1.1', '1.2', 'B1', 'B2']) expect(sent).toContain(id);
  });

  it('never answers a later question from a listing already on its way', async () => {
    let release!: () => void;
    const conn = peer(true, new Promise((r) => (release = r)));
    const b = new ModuleBatcher(conn, { now: () => 0, logger: silentLogger });
    const first = b.leg('1.1');
    await new Promise((r) => setTimeout(r, 5)); // detection done, first listing out
    const second = b.leg('1.1');
    await new Promise((r) => setTimeout(r, 5));
    release();
    await Promise.all([first, second]);
    expect(conn.lists.length).toBe(2);
  });
});

describe('the module found again after it went missing', () => {
  /** A peer whose module can be unloaded and loaded between requests. */
  function switchable(): ModuleAmiConnection & { loaded: boolean; lists: number } {
    const absent = peer(false);
    const present = peer(true);
    const p = {
      loaded: false,
      lists: 0,
      request: (a: AmiAction) => (p.loaded ? present : absent).request(a),
      requestList: (a: AmiAction) => {
        p.lists++;
        return (p.loaded ? present : absent).requestList(a);
      },
    };
    return p;
  }

  it('looks for it again periodically and says when it is back', async () => {
    const conn = switchable();
    const b = new ModuleBatcher(conn, { now: () => 0, logger: silentLogger, recheckMs: 20 });
    let appeared = 0;
    b.onAppeared(() => appeared++);
    expect(await b.leg('1.1')).toBeNull();
    expect(b.loaded).toBe(false);
    conn.loaded = true;
    await new Promise((r) => setTimeout(r, 100));
    expect(b.loaded).toBe(true);
    expect(appeared).toBe(1);
    b.stop();
  });

  it('after a listing failed because it was unloaded, finds it on its Load event', async () => {
    const conn = switchable();
    conn.loaded = true;
    const b = new ModuleBatcher(conn, { now: () => 0, logger: silentLogger });
    let appeared = 0;
    b.onAppeared(() => appeared++);
    await b.leg('1.1');
    expect(b.loaded).toBe(true);
    conn.loaded = false; // module unload: the next listing is an unknown action
    expect(await b.leg('1.2')).toBeNull();
    expect(b.loaded).toBe(false);
    conn.loaded = true;
    b.moduleEvent('res_rtp_offload.so');
    await new Promise((r) => setTimeout(r, 10));
    expect(b.loaded).toBe(true);
    expect(appeared).toBe(1);
    b.moduleEvent('res_pjsip.so'); // another module: nothing to do
    expect(b.loaded).toBe(true);
    b.stop();
  });
});
