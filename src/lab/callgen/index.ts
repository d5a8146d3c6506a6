/**
 * RTP endpoints for tests and the demo: G.711 at 50 packets/s (172-byte datagrams),
 * paced over the 20 ms interval, RTCP SR/RR every ~5 s to port+1, optional DTX, and
 * per-stream counts of every packet received (lost, duplicated, reordered, by source).
 *
 * ```ts
 * const gen = new CallGenerator();
 * const ep = gen.add({ rtp: await testbed.udpSocket('far', 'udp4', addr), rtcp: …, target: { address: pbx, port } });
 * gen.start(); …; gen.stop();
 * ep.stats().sources   // { '198.51.100.1:10000': 500 }
 * gen.close();
 * ```
 */
export { CallGenerator, type CallGeneratorOptions, type GeneratorTotals } from './generator.js';
export {
  RtpEndpoint,
  type EndpointOptions,
  type EndpointStats,
  type DtxPattern,
  type HostPort,
} from './endpoint.js';
export { SeqCounter } from './seq-counter.js';
