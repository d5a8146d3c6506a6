import type { ResolvedEndpoint } from '../../options.js';
import type { PbxCore } from '../core.js';
import { getHeader, type AmiField, type AmiMessage } from '../message.js';
import { EventClass } from '../privileges.js';
import { actionIdField, listAck, listComplete, response } from '../replies.js';
import type { ActionDef } from './table.js';

const bool = (b: boolean): string => (b ? 'true' : 'false');

/**
 * The endpoint's sorcery fields as ast_sip_sorcery_object_to_ami prints them: names
 * camel-cased (`rtp_timeout` → `RtpTimeout`), booleans `true`/`false`, tos_audio as the
 * TOS byte, allow as `(ulaw|alaw)`; registration order of res_pjsip/pjsip_configuration.c.
 */
export function endpointDetailFields(e: ResolvedEndpoint, activeChannels: readonly string[]): AmiField[] {
  return [
    ['ObjectType', 'endpoint'],
    ['ObjectName', e.name],
    ['Context', e.context],
    ['Disallow', ''],
    ['Allow', `(${e.allow.join('|')})`],
    ['DtmfMode', e.dtmfMode],
    ['RtpIpv6', 'false'],
    ['RtpSymmetric', 'true'],
    ['IceSupport', bool(e.iceSupport)],
    ['UsePtime', 'false'],
    ['ForceRport', 'true'],
    ['RewriteContact', 'true'],
    ['Transport', ''],
    ['OutboundProxy', ''],
    ['MohSuggest', e.mohSuggest],
    ['100rel', 'yes'],
    ['Timers', 'yes'],
    ['TimersMinSe', '90'],
    ['TimersSessExpires', '1800'],
    ['Auth', e.name],
    ['OutboundAuth', ''],
    ['Aors', e.name],
    ['MediaAddress', ''],
    ['IdentifyBy', 'username,ip'],
    ['DirectMedia', bool(e.directMedia)],
    ['DirectMediaMethod', 'invite'],
    ['ConnectedLineMethod', 'invite'],
    ['DirectMediaGlareMitigation', 'none'],
    ['DisableDirectMediaOnNat', 'false'],
    ['Callerid', `"${e.displayName}" <${e.extension}>`],
    ['CalleridPrivacy', 'allowed_not_screened'],
    ['CalleridTag', ''],
    ['TrustIdInbound', 'false'],
    ['TrustIdOutbound', 'false'],
    ['SendPai', 'false'],
    ['SendRpid', 'false'],
    ['SendDiversion', 'true'],
    ['Mailboxes', ''],
    ['AggregateMwi', 'true'],
    ['MediaEncryption', e.mediaEncryption],
    ['MediaEncryptionOptimistic', 'false'],
    ['UseAvpf', 'false'],
    ['ForceAvp', 'false'],
    ['MediaUseReceivedTransport', 'false'],
    ['OneTouchRecording', 'false'],
    ['InbandProgress', 'false'],
    ['CallGroup', ''],
    ['PickupGroup', ''],
    ['NamedCallGroup', ''],
    ['NamedPickupGroup', ''],
    ['DeviceStateBusyAt', '0'],
    ['T38Udptl', 'false'],
    ['T38UdptlEc', 'none'],
    ['FaxDetect', 'false'],
    ['T38UdptlNat', 'false'],
    ['T38UdptlIpv6', 'false'],
    ['ToneZone', ''],
    ['Language', ''],
    ['RecordOnFeature', 'automixmon'],
    ['RecordOffFeature', 'automixmon'],
    ['AllowTransfer', 'true'],
    ['SdpOwner', '-'],
    ['SdpSession', 'Asterisk'],
    ['TosAudio', String(e.tosAudio)],
    ['TosVideo', '0'],
    ['CosAudio', '0'],
    ['CosVideo', '0'],
    ['AllowSubscribe', 'true'],
    ['SubMinExpiry', '0'],
    ['FromUser', ''],
    ['FromDomain', ''],
    ['MwiFromUser', ''],
    ['RtpEngine', 'asterisk'],
    ['DtlsVerify', 'No'],
    ['DtlsRekey', '0'],
    ['DtlsCertFile', ''],
    ['DtlsPrivateKey', ''],
    ['DtlsCipher', ''],
    ['DtlsCaFile', ''],
    ['DtlsCaPath', ''],
    ['DtlsSetup', 'active'],
    ['SrtpTag32', 'false'],
    ['RtpKeepalive', String(e.rtpKeepalive)],
    ['RtpTimeout', String(e.rtpTimeout)],
    ['RtpTimeoutHold', String(e.rtpTimeoutHold)],
    ['RtcpMux', bool(e.rtcpMux)],
    ['Webrtc', 'no'],
    ['DeviceState', activeChannels.length > 0 ? 'In use' : 'Not in use'],
    ['ActiveChannels', activeChannels.join(',')],
  ];
}

function detail(msg: AmiMessage, event: string, fields: readonly AmiField[]): AmiField[] {
  // ast_sip_create_ami_event: Event and ActionID, no Privilege.
  return [['Event', event], ...actionIdField(msg), ...fields];
}

function showEndpoint(core: PbxCore, msg: AmiMessage): AmiField[][] | string {
  let name = getHeader(msg, 'Endpoint');
  // astman_send_error_va messages here end in "\n", which goes out before the CRLF.
  if (name === '') return 'PJSIPShowEndpoint requires an endpoint name\n';
  if (name.toLowerCase().startsWith('pjsip/')) name = name.slice(6);
  const e = core.endpoint(name);
  if (!e) return `Unable to retrieve endpoint ${name}\n`;
  const active = core
    .channels()
    .filter((c) => c.endpoint.name === e.name)
    .map((c) => c.name);
  return [
    detail(msg, 'EndpointDetail', endpointDetailFields(e, active)),
    detail(msg, 'AorDetail', [
      ['ObjectType', 'aor'],
      ['ObjectName', e.name],
      ['MinimumExpiration', '60'],
      ['MaximumExpiration', '7200'],
      ['DefaultExpiration', '3600'],
      ['QualifyFrequency', '0'],
      ['AuthenticateQualify', 'false'],
      ['MaxContacts', '1'],
      ['RemoveExisting', 'true'],
      ['Mailboxes', ''],
      ['OutboundProxy', ''],
      ['SupportPath', 'false'],
      ['TotalContacts', '0'],
      ['ContactsRegistered', '0'],
      ['EndpointName', e.name],
    ]),
  ];
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
