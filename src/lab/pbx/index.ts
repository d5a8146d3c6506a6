/**
 * The simulated Asterisk used by the integration tests and the demo.
 *
 * ```ts
 * const pbx = await SimulatedPbx.start({
 *   version: 22, driver: 'pjsip',
 *   ami: { host: '127.0.0.1', port: 0, users: [{ username: 'agent', secret: 's3cret', read: 'all', write: 'all' }] },
 *   openRtpSocket: (family, address, port) => testbed.udpSocket('pbx', family === 6 ? 'udp6' : 'udp4', address, port),
 *   localAddress: { ipv4: testbed.pbx.ipv4, ipv6: testbed.pbx.ipv6 },
 *   endpoints: { alice: { extension: '2001' }, bob: { extension: '2002', rtpTimeout: 30 } },
 * });
 * const { port } = pbx.amiAddress();               // AMI: real wire protocol on a real socket
 * const call = await pbx.placeCall({ caller: { endpoint: 'alice', remote: { address, port } }, callee: { … } });
 * call.caller.localRtpPort;                        // where alice's phone sends RTP
 * call.hold('caller'); call.unhold('caller');      // Hold / MusicOnHoldStart …, relay stops and resumes
 * call.startMixMonitor('callee');                  // simple_bridge ~2 ms later
 * call.reinvite('callee', newRemote);              // no event but the BRIDGEPEER VarSet hint
 * await call.blindTransfer('caller', { endpoint: 'carol', remote }); // → new SimCall
 * pbx.attendedTransfer({ call: a, transferer: 'caller' }, { call: b, transferer: 'caller' });
 * call.hangup();
 * pbx.relayStats();                                // packets relayed, time in the relay path
 * pbx.faults.dropNextHangup(call.caller.uniqueid);  // the next hangup is never heard on AMI/ARI
 * pbx.modules.unload(); pbx.modules.load();         // res_rtp_offload.so (option rtpOffloadModule)
 * pbx.ariAddress();                                 // ARI from the same model (option `ari`)
 * await pbx.restart();                             // sessions dropped, new CoreStatus start-up time
 * await pbx.stop();
 * ```
 *
 * As its own process (e.g. inside the pbx namespace, CPU read from /proc):
 * `const p = await PbxProcess.spawn(options, { namespace: bed.pbxNs, entry })` gives the
 * same operations over IPC (`p.placeCall(…)`, `p.hold(callId, 'caller')`, `p.relayStats()`,
 * `p.cpu()`, `p.stop()`); `entry` defaults to `main.js` beside the module (the tsc build).
 * Another entry can serve the same protocol with `servePbx` (serve.ts), e.g. with its own
 * socket factory, and send messages of its own, which arrive at `p.onNotice(listener)`.
 *
 * AMI facts reproduced (see shared ref/asterisk.md): banner `Asterisk Call Manager/9.0.0`
 * (20) or `/11.0.0` (22); `Events:` masks ANDed with `read=`; failed logins answered after
 * 1 s and dropped; `Permission denied` before login and without `write=` authority; list
 * actions as `EventList: start` + items with ActionID + `…Complete`; BridgeEnter showing
 * `simple_bridge` with native_rtp chosen a moment later; BridgeList's `BridgeType:`
 * filtering on the technology; Getvar by channel name or Uniqueid with an empty Value when
 * the function fails; VarSet of BRIDGEPEER/BRIDGEPVTCALLID (class dialplan) as the only
 * hint of a media-path change; RTCPReceived's SR `SSRC` carrying the NTP-seconds word.
 *
 * Call facts replayed against Asterisk 22.11 transcripts (test/conformance): Dial's
 * NewConnectedLine/DialBegin/DialState/DialEnd, the answering callee entering the bridge
 * first (`BridgeNumChannels: 1`, empty `Exten`); HangupRequest for a phone's BYE,
 * SoftHangupRequest before the Hangup of a channel running dialplan (and `Cause: 1` for
 * rtp_timeout); Unhold then BlindTransfer (`IsExternal: Yes`) for AMI BlindTransfer; AMI
 * Atxfer through a Local pair (Hold without MusicClass), completed by the transferer's
 * hangup as BridgeMerge → AttendedTransfer (`OrigBridge…`/`SecondBridge…`) → Local
 * optimisation; PJSIPShowEndpoint's five items in Asterisk's field order; BridgeInfo items
 * in Uniqueid order; `SentRTP: 0` in SRs sent while relaying; strict RTP dropping the first
 * 4 packets of a source other than the expected one and marking the first relayed.
 *
 * Actions: Login, Logoff, Challenge, Events, Ping, CoreStatus, ListCommands, UserEvent,
 * Getvar, Setvar, Hangup, CoreShowChannels, BridgeList, BridgeInfo, MixMonitor,
 * StopMixMonitor, BlindTransfer, Atxfer, PJSIPShowEndpoint (pjsip only), and RtpOffloadList
 * while res_rtp_offload.so is loaded (an unknown command otherwise; Load/Unload/Reload
 * events as main/loader.c publishes them).
 *
 * Strict RTP as in res_rtp_asterisk.c (22): while learning, the accepted source and the SDP
 * target are taken at once, another source after 4 sequential packets; 5 s after a source
 * was accepted (`strictRtpLearnMs`) the port closes to every other source until a remote
 * address change (re-INVITE, unhold) re-opens learning; `strictRtp: false` follows any
 * source at once. A re-INVITE to a port the phone does not send from re-learns the old one.
 *
 * ARI (option `ari`, ari/): Basic or api_key auth, Swagger documents for ari-client, REST
 * reads of the live bridges, channels, variables and endpoint options, and /ari/events
 * frames made from the model's events (ChannelEnteredBridge, ChannelHold, ChannelVarset,
 * BridgeBlindTransfer, ChannelDestroyed, …).
 *
 * Layout: pbx.ts wires the parts in core/ (state, bridges, channels, dialing, transfers,
 * atxfer, call-control, ami-core, media-clock, faults, modules); ami/ is the manager
 * interface, ari/ the REST/WebSocket interface, rtp/ the media (legs, strict RTP, RTCP).
 *
 * Channel variables Getvar can read: `CHANNEL(rtp,src|dest|direct|secure|hold[,audio])`
 * (pjsip), `CHANNEL(rtpsource|rtpdest|secure_media)` (sip), `CHANNEL(audionativeformat|
 * audioreadformat|audiowriteformat|name|uniqueid|linkedid|state|channeltype)`,
 * `CHANNEL(pjsip,call-id)`, `BRIDGEPEER`, `BRIDGEPVTCALLID` and variables set by Setvar.
 *
 * Where the lab differs from Asterisk, on purpose:
 * - no SIP: calls come from `placeCall` with the phones' SDP addresses; `media_encryption`
 *   only changes the glue (simple_bridge, `CHANNEL(rtp,secure)` = 1), packets stay plain;
 * - `direct_media` defaults to no (Asterisk: yes);
 * - music on hold is G.711 silence from the PBX's own SSRC; the Atxfer target answers at
 *   once and the consultation carries no media (Local halves have no RTP here);
 *   `attendedTransfer()` (a phone's REFER) swaps the transferee into the consult bridge
 *   (or merges, on request); Dial's ringing and answer are immediate.
 */
export { SimulatedPbx, type RelayStats, type CallRelayStats } from './pbx.js';
export { SimCall, type LegName, type PartySpec, type PlaceCallSpec, type SimLegInfo } from './call.js';
export { PbxError, type PbxErrorCode } from './errors.js';
export type {
  SimulatedPbxOptions,
  AmiOptions,
  AmiUser,
  EndpointConfig,
  OpenRtpSocket,
  AsteriskVersion,
  ChannelDriverName,
  Codec,
  DtmfMode,
  MediaEncryption,
} from './options.js';
export type { ManagerEvent } from './ami/events.js';
export type { FaultInjector, HangupDropScope } from './core/faults.js';
export type { ModuleLoader } from './core/modules.js';
export type { HostPort } from './rtp/address.js';
export { EventClass, authorityToString } from './ami/privileges.js';
export { AmiProbe, ProbeError, type ProbeMessage } from './ami/probe.js';
export { PbxProcess, type PbxProcessOptions, type ProcessCpu } from './process.js';
export type { CallView, ControlRequest, ControlReply } from './control.js';
