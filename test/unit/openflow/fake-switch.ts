import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../../../src/openflow/clock.js';
import {
  OfpFramer,
  decodeMessage,
  encodeMessage,
  type FlowMod,
  type OfpMessage,
} from '../../../src/openflow/codec/index.js';
import type { TransportSocket } from '../../../src/openflow/transport.js';

/** A clock that moves only when told to, running due timers in order. */
export class FakeClock implements Clock {
  private t = 0;
  private timers: { at: number; seq: number; callback: () => void; cancelled: boolean }[] = [];
  private seq = 0;

  now(): number {
    return this.t;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const timer = { at: this.t + ms, seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Delays of the timers still pending, for asserting backoff. */
  pendingDelays(): number[] {
    return this.timers.filter((t) => !t.cancelled).map((t) => t.at - this.t);
  }

  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.t = due.at;
      due.callback();
      await flush();
    }
    this.t = target;
    await flush();
  }
}

/** Lets promise callbacks and queued socket events run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}

/** One end of a stream socket, driven by the test's fake switch. */
export class FakeSocket extends EventEmitter implements TransportSocket {
  destroyed = false;
  readonly written: Buffer[] = [];
  /** While set, `write` reports a full buffer (the bytes still go through, as Node queues them). */
  full = false;

  constructor(private readonly onWrite: (data: Buffer) => void) {
    super();
  }

  write(data: Uint8Array): boolean {
    if (this.destroyed) return false;
    const copy = Buffer.from(data);
    this.written.push(copy);
    this.onWrite(copy);
    return !this.full;
  }

  /** The socket's buffer emptied. */
  drain(): void {
    this.full = false;
    this.emit('drain');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    setImmediate(() => this.emit('close'));
  }

  /** Bytes from the switch to the client. */
  deliver(data: Buffer): void {
    if (!this.destroyed) this.emit('data', data);
  }

  /** The switch hangs up. */
  hangUp(): void {
    this.destroy();
  }
}

type Reply = Exclude<OfpMessage, { type: 'PACKET_IN' }>;

/**
 * A scripted OpenFlow 1.3 switch behind FakeSockets. By default it completes the handshake
 * and answers barriers, echoes and bundle control; tests override `onMessage` for the rest.
 */
export class FakeSwitch {
  readonly sockets: FakeSocket[] = [];
  /** Every message each connection sent, decoded. */
  readonly received: OfpMessage[][] = [];
  /** When set, the next connection attempt fails at once. */
  refuseConnections = 0;
  /** HELLO the switch greets with. */
  hello: Reply = { type: 'HELLO', xid: 1, version: 6 };
  fragFlags = 0;
  answerEchoes = true;
  answerBarriers = true;
  /** Return replies for a message, or undefined for the default behaviour. */
  onMessage: (m: OfpMessage, sw: FakeSwitch) => Reply[] | undefined = () => undefined;

  readonly connect = (_target: string): TransportSocket => {
    const index = this.sockets.length;
    this.received.push([]);
    const framer = new OfpFramer();
    const socket = new FakeSocket((data) =>
      framer.push(data, (raw) => {
        const m = decodeMessage(Buffer.from(raw));
        this.received[index]!.push(m);
        for (const reply of this.respond(m)) this.send(reply, index);
      }),
    );
    this.sockets.push(socket);
    if (this.refuseConnections > 0) {
      this.refuseConnections--;
      setImmediate(() => {
        socket.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        socket.destroy();
      });
    } else {
      setImmediate(() => {
        socket.emit('connect');
        socket.deliver(encodeMessage(this.hello));
      });
    }
    return socket;
  };

  get socket(): FakeSocket {
    return this.sockets.at(-1)!;
  }

  /** Messages the latest connection sent. */
  get messages(): OfpMessage[] {
    return this.received.at(-1)!;
  }

  flowMods(): FlowMod[] {
    return this.messages.filter((m): m is FlowMod => m.type === 'FLOW_MOD');
  }

  send(m: Reply, socketIndex = this.sockets.length - 1): void {
    this.sockets[socketIndex]!.deliver(encodeMessage(m));
  }

  private respond(m: OfpMessage): Reply[] {
    const scripted = this.onMessage(m, this);
    if (scripted !== undefined) return scripted;
    switch (m.type) {
      case 'FEATURES_REQUEST':
        return [
          {
            type: 'FEATURES_REPLY',
            xid: m.xid,
            datapathId: 0x00005a7dd5229941n,
            nBuffers: 0,
            nTables: 254,
            auxiliaryId: 0,
            capabilities: 0x4f,
          },
        ];
      case 'GET_CONFIG_REQUEST':
        return [{ type: 'GET_CONFIG_REPLY', xid: m.xid, flags: this.fragFlags, missSendLen: 0 }];
      case 'BARRIER_REQUEST':
        return this.answerBarriers ? [{ type: 'BARRIER_REPLY', xid: m.xid }] : [];
      case 'ECHO_REQUEST':
        return this.answerEchoes ? [{ type: 'ECHO_REPLY', xid: m.xid, data: m.data }] : [];
      case 'BUNDLE_CONTROL':
        return [{ ...m, bundleType: m.bundleType + 1 }];
      default:
        return [];
    }
  }
}

/** An ERROR refusing `m`, echoing its start as OVS does. */
export function refusal(
  m: { xid: number },
  errorType: number,
  errorCode: number,
  experimenter?: number,
): Reply {
  return experimenter === undefined
    ? { type: 'ERROR', xid: m.xid, errorType, errorCode, data: Buffer.alloc(0) }
    : { type: 'ERROR', xid: m.xid, errorType, errorCode, experimenter, data: Buffer.alloc(0) };
}
