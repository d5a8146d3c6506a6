import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The configuration of a real Asterisk run by the end-to-end suite, written whole into a
 * temporary directory: its own run/log/spool directories, only the modules the scenarios
 * need, one PJSIP endpoint per phone address, and least-privilege AMI and ARI users for
 * the agent beside an unrestricted user for the test itself.
 */

export interface PhoneEndpoint {
  readonly name: string;
  readonly address: string;
  /** Extra endpoint options, e.g. `rtp_timeout = 6`. */
  readonly options?: readonly string[];
}

export interface AsteriskConfOptions {
  /** Installation prefix holding sbin/asterisk, lib/asterisk/modules and var/lib/asterisk. */
  readonly prefix: string;
  /** Directory to write into (created). */
  readonly dir: string;
  readonly pbxAddress: string;
  readonly phones: readonly PhoneEndpoint[];
  /** Path of a res_rtp_offload.so to load; none = run without the module. */
  readonly offloadModule?: string;
  readonly agentAmi: { readonly user: string; readonly secret: string };
  readonly testAmi: { readonly user: string; readonly secret: string };
  readonly ari: { readonly user: string; readonly password: string };
  readonly amiPort?: number;
  readonly httpPort?: number;
  /** RTP port range of rtp.conf. @default [10000, 10999] */
  readonly rtpRange?: readonly [number, number];
}

/** What each scenario needs, and nothing else (modules.conf has autoload = no). */
export const NEEDED_MODULES = [
  'res_pjproject.so',
  'res_sorcery_config.so',
  'res_sorcery_memory.so',
  'res_sorcery_astdb.so',
  'res_pjsip.so',
  'res_pjsip_session.so',
  'res_pjsip_endpoint_identifier_ip.so',
  'res_pjsip_nat.so',
  'res_pjsip_sdp_rtp.so',
  'res_pjsip_caller_id.so',
  'res_rtp_asterisk.so',
  'res_timing_timerfd.so',
  'chan_pjsip.so',
  'codec_ulaw.so',
  'format_pcm.so',
  'format_wav.so',
  'func_channel.so',
  'pbx_config.so',
  'app_dial.so',
  'app_mixmonitor.so',
  'app_stasis.so',
  'bridge_native_rtp.so',
  'bridge_simple.so',
  'bridge_softmix.so',
  'bridge_holding.so',
  'bridge_builtin_features.so',
  'res_musiconhold.so',
  'res_http_websocket.so',
  'res_websocket_client.so',
  'res_pjsip_pubsub.so',
  'res_stasis.so',
  'res_stasis_recording.so',
  'res_stasis_playback.so',
  'res_stasis_snoop.so',
  'res_stasis_answer.so',
  'res_ari.so',
  'res_ari_model.so',
  'res_ari_applications.so',
  'res_ari_asterisk.so',
  'res_ari_bridges.so',
  'res_ari_channels.so',
  'res_ari_endpoints.so',
  'res_ari_events.so',
] as const;

const section = (name: string, lines: readonly string[]): string => `[${name}]\n${lines.join('\n')}\n`;

export function pjsipConf(pbxAddress: string, phones: readonly PhoneEndpoint[]): string {
  const parts = [
    section('transport-udp', ['type = transport', 'protocol = udp', `bind = ${pbxAddress}:5060`]),
    '[tpl](!)\n' +
      [
        'type = endpoint',
        'context = internal',
        'disallow = all',
        'allow = ulaw',
        'direct_media = no',
        'rtp_symmetric = yes',
        'force_rport = yes',
        'rewrite_contact = no',
        'dtmf_mode = rfc4733',
      ].join('\n') +
      '\n',
  ];
  for (const p of phones) {
    parts.push(`[${p.name}](tpl)\naors = ${p.name}\n${(p.options ?? []).join('\n')}\n`);
    parts.push(section(p.name, ['type = aor', `contact = sip:${p.name}@${p.address}:5060`]));
    parts.push(section(`${p.name}-id`, ['type = identify', `endpoint = ${p.name}`, `match = ${p.address}`]));
  }
  return parts.join('\n');
}

/**
 * Dialplan: `p<n>` rings endpoint p<n>; `tp<n>` does the same with transfer features for
 * both parties (DTMF hooks keep such a bridge off native_rtp); `9<n>` is a numeric alias of
 * `p<n>`, for AMI Atxfer, which dials its extension as DTMF digits.
 */
export const EXTENSIONS_CONF = `[internal]
exten => _p.,1,Dial(PJSIP/\${EXTEN},30)
exten => _tp.,1,Dial(PJSIP/\${EXTEN:1},30,tT)
exten => _9X.,1,Dial(PJSIP/p\${EXTEN:1},30)
`;

/** Writes every file; returns the path of asterisk.conf. */
export function writeAsteriskConf(o: AsteriskConfOptions): string {
  const d = o.dir;
  const etc = join(d, 'etc');
  const mods = join(d, 'modules');
  for (const sub of ['etc', 'modules', 'run', 'log', 'spool', 'lib', 'moh', 'data/sounds/en'])
    mkdirSync(join(d, sub), { recursive: true });
  // Data directory of our own: the installation's ARI documents (res_ari serves them), and
  // the one prompt AMI Atxfer plays (without it the transfer fails at once).
  for (const sub of ['rest-api', 'documentation'])
    symlinkSync(join(o.prefix, 'var/lib/asterisk', sub), join(d, 'data', sub));
  writeFileSync(join(d, 'data/sounds/en/pbx-transfer.ulaw'), Buffer.alloc(4000, 0xfe));
  // Only the needed modules, as links into the installation, plus the module under test.
  const installed = new Set(readdirSync(join(o.prefix, 'lib/asterisk/modules')));
  const load: string[] = [];
  for (const m of NEEDED_MODULES) {
    if (!installed.has(m)) throw new Error(`Asterisk installation lacks ${m}`);
    symlinkSync(join(o.prefix, 'lib/asterisk/modules', m), join(mods, m));
    load.push(`load = ${m}`);
  }
  if (o.offloadModule !== undefined) {
    symlinkSync(o.offloadModule, join(mods, 'res_rtp_offload.so'));
    load.push('load = res_rtp_offload.so');
  }
  // One second of µ-law silence-level tone: music on hold needs a file to play.
  writeFileSync(join(d, 'moh', 'tone.ulaw'), Buffer.alloc(8000, 0xfe));
  const [rtpStart, rtpEnd] = o.rtpRange ?? [10000, 10999];
  const files: Record<string, string> = {
    'asterisk.conf':
      section('directories', [
        `astetcdir => ${etc}`,
        `astmoddir => ${mods}`,
        `astvarlibdir => ${join(d, 'lib')}`,
        `astdbdir => ${join(d, 'lib')}`,
        `astkeydir => ${join(d, 'lib')}`,
        `astdatadir => ${join(d, 'data')}`,
        `astagidir => ${join(d, 'lib')}`,
        `astspooldir => ${join(d, 'spool')}`,
        `astrundir => ${join(d, 'run')}`,
        `astlogdir => ${join(d, 'log')}`,
        `astsbindir => ${join(o.prefix, 'sbin')}`,
      ]) + section('options', ['verbose = 4', 'timestamp = yes']),
    'modules.conf': section('modules', ['autoload = no', ...load]),
    'logger.conf':
      section('general', []) + section('logfiles', ['messages.log => notice,warning,error,verbose']),
    'rtp.conf': section('general', [
      `rtpstart = ${rtpStart}`,
      `rtpend = ${rtpEnd}`,
      'strictrtp = yes',
      'rtcpinterval = 5000',
    ]),
    'pjsip.conf': pjsipConf(o.pbxAddress, o.phones),
    'extensions.conf': EXTENSIONS_CONF,
    'musiconhold.conf': section('default', ['mode = files', `directory = ${join(d, 'moh')}`]),
    'manager.conf':
      section('general', ['enabled = yes', `port = ${o.amiPort ?? 5038}`, 'bindaddr = 127.0.0.1']) +
      // What docs/operation.md asks of the agent's user, nothing more.
      section(o.agentAmi.user, [
        `secret = ${o.agentAmi.secret}`,
        'read = system,call,dialplan,reporting',
        'write = system,call,reporting,user',
      ]) +
      section(o.testAmi.user, [`secret = ${o.testAmi.secret}`, 'read = all', 'write = all']),
    'http.conf': section('general', [
      'enabled = yes',
      'bindaddr = 127.0.0.1',
      `bindport = ${o.httpPort ?? 8088}`,
    ]),
    'ari.conf':
      section('general', ['enabled = yes']) +
      section(o.ari.user, ['type = user', 'read_only = no', `password = ${o.ari.password}`]),
    // The AMI Atxfer action runs the atxfer feature, which needs a code.
    'features.conf': section('general', []) + section('featuremap', ['blindxfer = #1', 'atxfer = *2']),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(etc, name), text);
  return join(etc, 'asterisk.conf');
}
