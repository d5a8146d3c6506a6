import { createHash } from 'node:crypto';
import type { ResolvedEndpoint } from '../../options.js';
import type { PbxCore } from '../core.js';
import { getHeader, type AmiField, type AmiMessage } from '../message.js';
import { EventClass } from '../privileges.js';
import { actionIdField, listAck, listComplete, response } from '../replies.js';
import type { ActionDef } from './table.js';

const bool = (b: boolean): string => (b ? 'true' : 'false');

/** The recorded system's one transport (pjsip.conf `[transport-udp]`, UDP on port 5060). */
const TRANSPORT = 'transport-udp';
const SIP_PORT = 5060;

/**
 * The endpoint's sorcery fields as ast_sip_sorcery_object_to_ami prints them: names
 * camel-cased (`rtp_timeout` → `RtpTimeout`), booleans `true`/`false`, tos_audio as the
 * TOS byte, allow as `(ulaw|alaw)`. The order is not the registration order but the one
 * Asterisk 22 prints (the object's field container), taken from the recorded transcript
 * (test/fixtures/asterisk-22/ami-session.jsonl); values the lab does not model are the
 * recorded system's (pjsip.conf template of the fixtures' README). `ActiveChannels` is a
 * count.
 */
export function endpointDetailFields(e: ResolvedEndpoint, activeChannels: number): AmiField[] {
  return [
    ['ObjectType', 'endpoint'],
    ['ObjectName', e.name],
    ['RpidImmediate', 'false'],
    ['Webrtc', 'no'],
    ['Ignore183WithoutSdp', 'false'],
    ['SendAoc', 'false'],
    ['DeviceStateBusyAt', '0'],
    ['T38UdptlMaxdatagram', '0'],
    ['CodecPrefsIncomingAnswer', 'prefer:pending, operation:intersect, keep:all, transcode:allow'],
    ['SecurityNegotiation', 'no'],
    ['DtlsRekey', '0'],
    ['RtpPortEnd', '0'],
    ['NamedPickupGroup', ''],
    ['DirectMediaMethod', 'invite'],
    ['SendRpid', 'false'],
    ['PickupGroup', ''],
    ['SdpSession', 'Asterisk'],
    ['DtlsVerify', 'No'],
    ['MessageContext', ''],
    ['Tenantid', ''],
    ['Mailboxes', ''],
    ['RecordOnFeature', 'automixmon'],
    ['DtlsPrivateKey', ''],
    ['DtlsFingerprint', 'SHA-256'],
    ['OverlapContext', ''],
    ['OutgoingCallOfferPref', 'remote_merge'],
    ['RtpPortStart', '0'],
    ['FromDomain', ''],
    ['TimersSessExpires', '1800'],
    ['NamedCallGroup', ''],
    ['DtlsCipher', ''],
    ['MediaEncryptionOptimistic', 'false'],
    ['SuppressQ850ReasonHeaders', 'false'],
    ['Aors', e.name],
    ['IdentifyBy', 'username,ip'],
    ['CalleridPrivacy', 'allowed_not_screened'],
    ['MwiSubscribeReplacesUnsolicited', 'no'],
    ['CosAudio', '0'],
    ['FollowEarlyMediaFork', 'true'],
    ['Context', e.context],
    ['RtpSymmetric', 'true'],
    ['Transport', TRANSPORT],
    ['MohSuggest', e.mohSuggest],
    ['T38Udptl', 'false'],
    ['FaxDetect', 'false'],
    ['T38BindUdptlToMediaAddress', 'false'],
    ['TosVideo', '0'],
    ['SrtpTag32', 'false'],
    ['ReferBlindProgress', 'true'],
    ['MaxAudioStreams', '1'],
    ['Bundle', 'false'],
    ['UseAvpf', 'false'],
    ['CallGroup', ''],
    ['SendConnectedLine', 'yes'],
    ['FaxDetectTimeout', '0'],
    ['SdpOwner', '-'],
    ['ForceRport', 'true'],
    ['CalleridTag', ''],
    ['RtpTimeoutHold', String(e.rtpTimeoutHold)],
    ['SuppressMohOnSendonly', 'false'],
    ['UsePtime', 'false'],
    ['MediaAddress', ''],
    ['VoicemailExtension', ''],
    ['RtpTimeout', String(e.rtpTimeout)],
    ['StirShaken', 'no'],
    ['SetVar', ''],
    ['ContactAcl', ''],
    ['PreferredCodecOnly', 'false'],
    ['GeolocOutgoingCallProfile', ''],
    ['ForceAvp', 'false'],
    ['RecordOffFeature', 'automixmon'],
    ['FromUser', ''],
    ['SendDiversion', 'true'],
    ['SendHistoryInfo', 'false'],
    ['T38UdptlIpv6', 'false'],
    ['ToneZone', ''],
    ['Language', ''],
    ['AllowSubscribe', 'true'],
    ['RtpIpv6', 'false'],
    ['Callerid', `"${e.displayName}" <${e.extension}>`],
    ['MohPassthrough', 'false'],
    ['CosVideo', '0'],
    ['DtlsAutoGenerateCert', 'No'],
    ['AsymmetricRtpCodec', 'false'],
    ['GeolocIncomingCallProfile', ''],
    ['IceSupport', bool(e.iceSupport)],
    ['AggregateMwi', 'true'],
    ['OneTouchRecording', 'false'],
    ['MwiFromUser', ''],
    ['RedirectMethod', 'user'],
    ['Accountcode', ''],
    ['CodecPrefsOutgoingAnswer', 'prefer:pending, operation:intersect, keep:all, transcode:allow'],
    ['Allow', `(${e.allow.join('|')})`],
    ['RewriteContact', 'false'],
    ['UserEqPhone', 'false'],
    ['RtpEngine', 'asterisk'],
    ['FollowRedirectMethods', ''],
    ['SubscribeContext', ''],
    ['NotifyEarlyInuseRinging', 'false'],
    ['IncomingMwiMailbox', ''],
    ['IncomingCallOfferPref', 'local'],
    ['AllowUnauthenticatedOptions', 'false'],
    ['Auth', ''],
    ['DirectMediaGlareMitigation', 'none'],
    ['TrustIdInbound', 'false'],
    ['StirShakenProfile', ''],
    ['BindRtpToMediaAddress', 'false'],
    ['DisableDirectMediaOnNat', 'false'],
    ['MediaEncryption', e.mediaEncryption],
    ['MediaUseReceivedTransport', 'false'],
    ['AllowOverlap', 'true'],
    ['DtmfMode', e.dtmfMode],
    ['OutboundAuth', ''],
    ['TosAudio', String(e.tosAudio)],
    ['DtlsCertFile', ''],
    ['DtlsCaPath', ''],
    ['DtlsSetup', 'active'],
    ['ConnectedLineMethod', 'invite'],
    ['G726NonStandard', 'false'],
    ['100rel', 'yes'],
    ['Timers', 'yes'],
    ['DirectMedia', bool(e.directMedia)],
    ['Acl', ''],
    ['TimersMinSe', '90'],
    ['TrustIdOutbound', 'false'],
    ['SubMinExpiry', '0'],
    ['RtcpMux', bool(e.rtcpMux)],
    ['MaxVideoStreams', '1'],
    ['AcceptMultipleSdpAnswers', 'false'],
    ['CodecPrefsIncomingOffer', 'prefer:pending, operation:intersect, keep:all, transcode:allow'],
    ['CodecPrefsOutgoingOffer', 'prefer:pending, operation:union, keep:all, transcode:allow'],
    ['TrustConnectedLine', 'yes'],
    ['SendPai', 'false'],
    ['RtpKeepalive', String(e.rtpKeepalive)],
    ['T38UdptlEc', 'none'],
    ['T38UdptlNat', 'false'],
    ['AllowTransfer', 'true'],
    ['DtlsCaFile', ''],
    ['OutboundProxy', ''],
    ['InbandProgress', 'false'],
    ['DeviceState', activeChannels > 0 ? 'In use' : 'Not in use'],
    ['ActiveChannels', String(activeChannels)],
  ];
}

/** TransportDetail of the one UDP transport, as recorded. */
function transportFields(bind: string): AmiField[] {
  return [
    ['ObjectType', 'transport'],
    ['ObjectName', TRANSPORT],
    ['ExternalSignalingHostname', ''],
    ['WebsocketWriteTimeout', '100'],
    ['Cos', '0'],
    ['TcpKeepaliveEnable', 'false'],
    ['Protocol', 'udp'],
    ['SymmetricTransport', 'false'],
    ['Domain', ''],
    ['VerifyServer', 'No'],
    ['LocalNet', ''],
    ['Bind', `${bind}:${SIP_PORT}`],
    ['AllowWildcardCerts', 'No'],
    ['TcpKeepaliveIntervalTime', '1'],
    ['AsyncOperations', '1'],
    ['ExternalMediaAddress', ''],
    ['Method', 'unspecified'],
    ['ExternalSignalingAddress', ''],
    ['RequireClientCert', 'No'],
    ['TcpKeepaliveIdleTime', '30'],
    ['Tos', '0'],
    ['CaListPath', ''],
    ['Cipher', ''],
    ['CertFile', ''],
    ['ExternalSignalingPort', '0'],
    ['Password', ''],
    ['AllowReload', 'false'],
    ['VerifyClient', 'No'],
    ['TcpKeepaliveProbeCount', '5'],
    ['PrivKeyFile', ''],
    ['CaListFile', ''],
  ];
}

/** The static contact of an endpoint with a known phone address (`contact = sip:<name>@<address>:5060`). */
function contactUri(e: ResolvedEndpoint): string | null {
  if (!e.remote) return null;
  const host = e.remote.address.includes(':') ? `[${e.remote.address}]` : e.remote.address;
  return `sip:${e.name}@${host}:${SIP_PORT}`;
}

function aorFields(e: ResolvedEndpoint, uri: string | null): AmiField[] {
  return [
    ['ObjectType', 'aor'],
    ['ObjectName', e.name],
    ['MinimumExpiration', '60'],
    ['DefaultExpiration', '3600'],
    ['QualifyTimeout', '3.000000'],
    ['Qualify2xxOnly', 'false'],
    ['Mailboxes', ''],
    ['SupportPath', 'false'],
    ['RemoveUnavailable', 'false'],
    ['VoicemailExtension', ''],
    ['MaxContacts', '0'],
    ['AuthenticateQualify', 'false'],
    ['Contacts', uri ? `${e.name}/${uri}` : ''],
    ['MaximumExpiration', '7200'],
    ['QualifyFrequency', '0'],
    ['RemoveExisting', 'false'],
    ['OutboundProxy', ''],
    ['TotalContacts', uri ? '1' : '0'],
    ['ContactsRegistered', '0'],
  ];
}

/**
 * ContactStatusDetail of a static contact: never qualified; its id is
 * `<aor>@@<md5 of the URI>` (res_pjsip/location.c ast_sip_location_create_contact).
 */
function contactStatusFields(e: ResolvedEndpoint, uri: string): AmiField[] {
  return [
    ['AOR', e.name],
    ['URI', uri],
    ['UserAgent', ''],
    ['RegExpire', '0'],
    ['Status', 'NonQualified'],
    ['RoundtripUsec', 'N/A'],
    ['EndpointName', e.name],
    ['ID', `${e.name}@@${createHash('md5').update(uri).digest('hex')}`],
    ['AuthenticateQualify', '0'],
    ['OutboundProxy', ''],
    ['Path', ''],
    ['QualifyFrequency', '0'],
    ['QualifyTimeout', '3.000'],
    ['Qualify2xxOnly', '0'],
  ];
}

/** IdentifyDetail of `type = identify`, `match = <phone address>` (a host match, /32 or /128). */
function identifyFields(e: ResolvedEndpoint, address: string): AmiField[] {
  const mask = address.includes(':') ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255';
  return [
    ['ObjectType', 'identify'],
    ['ObjectName', e.name],
    ['Match', `${address}/${mask}`],
    ['MatchRequestUri', ''],
    ['SrvLookups', 'true'],
    ['Endpoint', e.name],
    ['MatchHeader', ''],
  ];
}

function detail(msg: AmiMessage, event: string, fields: readonly AmiField[]): AmiField[] {
  // ast_sip_create_ami_event: Event and ActionID, no Privilege.
  return [['Event', event], ...actionIdField(msg), ...fields];
}

/**
 * ami_show_endpoint's items, in its order: the endpoint, its transport, each AOR followed
 * by its contacts' status, then the identify sections; every item but the endpoint and the
 * contact status ends in `EndpointName`. An endpoint without a known phone address has no
 * static contact and no identify section.
 */
function showEndpoint(core: PbxCore, msg: AmiMessage): AmiField[][] | string {
  let name = getHeader(msg, 'Endpoint');
  // astman_send_error_va messages here end in "\n", which goes out before the CRLF.
  if (name === '') return 'PJSIPShowEndpoint requires an endpoint name\n';
  if (name.toLowerCase().startsWith('pjsip/')) name = name.slice(6);
  const e = core.endpoint(name);
  if (!e) return `Unable to retrieve endpoint ${name}\n`;
  const active = core.channels().filter((c) => c.endpoint.name === e.name).length;
  const uri = contactUri(e);
  const owned = (fields: AmiField[]): AmiField[] => [...fields, ['EndpointName', e.name]];
  const items = [
    detail(msg, 'EndpointDetail', endpointDetailFields(e, active)),
    detail(msg, 'TransportDetail', owned(transportFields(core.sipBindAddress()))),
    detail(msg, 'AorDetail', owned(aorFields(e, uri))),
  ];
  if (uri && e.remote) {
    items.push(detail(msg, 'ContactStatusDetail', contactStatusFields(e, uri)));
    items.push(detail(msg, 'IdentifyDetail', owned(identifyFields(e, e.remote.address))));
  }
  return items;
}

/** PJSIPShowEndpoint (res/res_pjsip/pjsip_configuration.c ami_show_endpoint); pjsip only. */
export const pjsipActions: readonly ActionDef[] = [
  {
    name: 'PJSIPShowEndpoint',
    authority: EventClass.system,
    synopsis: 'Detail listing of an endpoint and its objects.',
    run: ({ session, msg, core }) => {
      const result = showEndpoint(core, msg);
      if (typeof result === 'string') {
        session.send(response(msg, 'Error', result));
        return;
      }
      session.send(listAck(msg, 'Following are Events for each object associated with the Endpoint'));
      for (const fields of result) session.send(fields);
      session.send(listComplete(msg, 'EndpointDetailComplete', result.length));
    },
  },
];
