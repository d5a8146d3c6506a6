/**
 * Fuzz targets: each takes one input (bytes) and runs it through a real input path of the
 * agent. A target returns normally for anything understood or refused the documented way
 * (a malformed result, a typed error); any other throw is a crash. Shared by `npm run fuzz`
 * (fuzz/main.ts) and the unit test that replays saved crashes (test/unit/fuzz-replay.test.ts).
 */

import net from 'node:net';
import Manager from 'asterisk-manager';
import { AmiMessage } from '../src/asterisk/ami/message.js';
import { translateEvent } from '../src/asterisk/ami/event-translator.js';
import { AmiReadGuard } from '../src/asterisk/ami/read-guard.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_MESSAGE_LINES,
} from '../src/asterisk/ami/connection-types.js';
import { translateAriFrame } from '../src/asterisk/ari/event-translator.js';
import { joinBridgesAndChannels } from '../src/asterisk/ari/resources.js';
import { parseModulePairs } from '../src/asterisk/module/pairs.js';
import { parseArgs, UsageError } from '../src/cli/args.js';
import { ConfigError, parseConfig } from '../src/config.js';
import { CallModel } from '../src/model/call-model.js';
import { decodeMessage } from '../src/openflow/codec/messages.js';
import { ProtocolError } from '../src/openflow/errors.js';

export interface FuzzTarget {
  readonly name: string;
  /** Set up once (sockets, parsers); the returned function runs one input. */
  open(): Promise<{ run(input: Buffer): Promise<void> | void; close(): Promise<void> }>;
}

/**
 * Bytes → read guard → asterisk-manager's own reader (on a real socket's `data` event, as in
 * the agent) → AmiMessage → translator → CallModel. The library emits on process.nextTick,
 * so each run waits a turn of the loop for what it emitted.
 *
 * The library's reader lives as long as its socket, so each input ends with a probe event
 * that must come out: a reader still holding lines (Follows mode kept every later line,
 * making the agent deaf and each later read O(n²)) fails the input that left it so, and the
 * harness opens a fresh reader instead of charging that input's cost to the ones after it.
 */
interface AmiReader {
  readonly manager: Manager.Instance;
  readonly socket: net.Socket;
}

async function openReader(port: number, onEvent: (raw: Manager.Message) => void): Promise<AmiReader> {
  const manager = new Manager(undefined, '127.0.0.1', 'u', 'p', false);
  manager.on('managerevent', onEvent);
  const socket = await new Promise<net.Socket>((resolve) => {
    manager.connect(
      {
        port,
        host: '127.0.0.1',
        onread: {
          buffer: Buffer.alloc(1024),
          callback(this: net.Socket) {
            resolve(this);
            return true;
          },
        },
      },
      '127.0.0.1',
    );
  });
  return { manager, socket };
}

const PROBE_EVENT = 'FuzzReaderProbe';

const ami: FuzzTarget = {
  name: 'ami',
  async open() {
    const server = net.createServer((s) => s.write('Asterisk Call Manager/11.0.0\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    let failure: unknown = null;
    let probes = 0;
    let model = new CallModel();
    let now = 0;
    const onEvent = (raw: Manager.Message): void => {
      if (raw.event === PROBE_EVENT) {
        probes++;
        return;
      }
      try {
        const t = translateEvent(AmiMessage.fromLibrary(raw));
        if (t.kind === 'event') model.apply(t.event, ++now);
      } catch (err) {
        failure = err;
      }
    };
    let reader = await openReader(port, onEvent);
    const emit = (text: string): boolean => reader.socket.emit('data', text);
    return {
      async run(input: Buffer) {
        // A fresh guard per input: each input is one session's byte stream.
        const guard = new AmiReadGuard({
          maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
          maxMessageLines: DEFAULT_MAX_MESSAGE_LINES,
          actionIdPrefix: 'rtpo-',
        });
        // In reads of at most the agent's read buffer, as the socket delivers them.
        for (let at = 0; at < input.length || at === 0; at += READ_BYTES) {
          const out = guard.push(input.subarray(at, at + READ_BYTES));
          // Over the limit the agent closes the session; nothing more reaches the parser.
          if (out.kind === 'too-large') break;
          if (out.text !== '') emit(out.text);
          await new Promise((r) => setImmediate(r));
        }
        // End the session's last message (the guard holds an unfinished one back), then probe.
        const before = probes;
        emit(`\r\n\r\nEvent: ${PROBE_EVENT}\r\n\r\n`);
        await new Promise((r) => setImmediate(r));
        // A fresh model now and then: inputs are independent sessions (the model's own cost
        // per event does not grow with its size: bench/model-scale.ts).
        if (model.channels.size > 1000 || model.bridges.size > 1000) model = new CallModel();
        if (probes === before) {
          reader.manager.disconnect();
          reader = await openReader(port, onEvent);
          throw new Error('asterisk-manager reader still holds lines after the input: it would be deaf');
        }
        if (failure) {
          const err = failure;
          failure = null;
          throw err;
        }
      },
      async close() {
        reader.manager.disconnect();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  },
};

/** The guarded socket's read size (read-guard.ts READ_BUFFER_BYTES). */
const READ_BYTES = 64 * 1024;

const sync = (name: string, run: (input: Buffer) => void): FuzzTarget => ({
  name,
  open: () => Promise.resolve({ run, close: () => Promise.resolve() }),
});

/** An ARI WebSocket frame, and the same text as REST bodies of the bridge/channel listing. */
const ari = sync('ari', (input) => {
  const text = input.toString('utf8');
  translateAriFrame(text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return; // not JSON: the HTTP layer refuses it before any reader
  }
  joinBridgesAndChannels(body, body);
  joinBridgesAndChannels([body], [body]);
});

/** One OpenFlow message as the framer hands it over; only the typed ProtocolError is a refusal. */
const openflow = sync('openflow', (input) => {
  try {
    decodeMessage(input);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
  }
});

/** The module listing (res_rtp_offload list items), each message as `Key: Value` lines. */
const moduleListing = sync('module', (input) => {
  const items = input
    .toString('utf8')
    .split(/\r?\n\r?\n/)
    .map((block) =>
      AmiMessage.fromPairs(
        block
          .split(/\r?\n/)
          .filter((l) => l !== '')
          .map((l): [string, string] => {
            const i = l.indexOf(': ');
            return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 2)];
          }),
      ),
    );
  parseModulePairs(items, 0);
});

/** The CLI's argv parser (owned by the CLI): NUL-separated arguments. */
const cli = sync('cli', (input) => {
  try {
    parseArgs(input.toString('utf8').split('\0'), {});
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
  }
});

/** The config file: JSON text → parseConfig; ConfigError is the documented refusal. */
const config = sync('config', (input) => {
  let json: unknown;
  try {
    json = JSON.parse(input.toString('utf8'));
  } catch {
    return; // loadConfig turns this into ConfigError('(file)') before parseConfig runs
  }
  try {
    parseConfig(json, {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
});

export const TARGETS: readonly FuzzTarget[] = [ami, ari, openflow, moduleListing, cli, config];
