/**
 * The simulated PBX as its own process, e.g. inside the testbed's pbx namespace so its
 * CPU can be read from /proc:
 *
 *   ip netns exec <ns> node dist/src/lab/pbx/main.js --config pbx.json
 *   ip netns exec <ns> node dist/src/lab/pbx/main.js --json '{"version":22,…}'
 *
 * The JSON is SimulatedPbxOptions without the socket factory (RTP sockets are bound in
 * this process's namespace). When started with an IPC channel it takes ControlRequest
 * messages (control.ts); it prints one `{"ready":true,…}` line on stdout once listening,
 * and stops on SIGTERM/SIGINT or when the parent goes away (serve.ts).
 */
import { optionsFromArgs, runEntry, servePbx } from './serve.js';

runEntry(() => servePbx(optionsFromArgs(process.argv.slice(2))));
