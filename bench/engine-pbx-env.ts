/** Set by the scale bench for the PBX process: RTP sockets without a kernel socket (engine-pbx.ts). */
export const FAKE_RTP_ENV = 'RTPO_BENCH_FAKE_RTP';
