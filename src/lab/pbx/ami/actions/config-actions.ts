import type { PbxCore } from '../core.js';
import { getHeader, type AmiField, type AmiMessage } from '../message.js';
import { EventClass } from '../privileges.js';
import { actionIdField, listAck, listComplete, response } from '../replies.js';
import type { ActionDef } from './table.js';

/**
 * The PBX's configuration as an operator's tools read it: PJSIPShowEndpoints
 * (res/res_pjsip/pjsip_configuration.c ami_show_endpoints, one `EndpointList` item per
 * endpoint, authority system) and GetConfig of rtp.conf (main/manager.c action_getconfig,
 * `Category-NNNNNN` / `Line-NNNNNN-NNNNNN: name=value`, authority system|config). The lab
 * has one configuration file, rtp.conf, made from its options; any other is not found.
 */
function endpointListItem(msg: AmiMessage, core: PbxCore, name: string): AmiField[] {
  const active = core.channels().filter((c) => c.endpoint.name === name).length;
  return [
    ['Event', 'EndpointList'],
    ...actionIdField(msg),
    ['ObjectType', 'endpoint'],
    ['ObjectName', name],
    ['Transport', 'transport-udp'],
    ['Aor', name],
    ['Auths', ''],
    ['OutboundAuths', ''],
    ['Contacts', ''],
    ['DeviceState', active > 0 ? 'In use' : 'Not in use'],
    ['ActiveChannels', String(active)],
  ];
}

function rtpConfLines(core: PbxCore): AmiField[] {
  const r = core.rtpConfig();
  const settings: [string, string][] = [
    ['rtpstart', String(r.portRange[0])],
    ['rtpend', String(r.portRange[1])],
    ['rtcpinterval', String(r.rtcpIntervalMs)],
    ['strictrtp', r.strictRtp ? 'yes' : 'no'],
  ];
  const pad = (n: number): string => String(n).padStart(6, '0');
  return [
    ['Category-000000', 'general'],
    ...settings.map(([k, v], i): AmiField => [`Line-000000-${pad(i)}`, `${k}=${v}`]),
  ];
}

export const configActions: readonly ActionDef[] = [
  {
    name: 'PJSIPShowEndpoints',
    authority: EventClass.system,
    synopsis: 'Lists PJSIP endpoints.',
    run: ({ session, msg, core }) => {
      const names = core.endpointNames();
      if (names.length === 0) {
        session.send(response(msg, 'Error', 'No endpoints found\n'));
        return;
      }
      session.send(listAck(msg, 'A listing of Endpoints follows, presented as EndpointList events'));
      for (const name of names) session.send(endpointListItem(msg, core, name));
      session.send(listComplete(msg, 'EndpointListComplete', names.length));
    },
  },
  {
    name: 'GetConfig',
    authority: EventClass.system | EventClass.config,
    synopsis: 'Retrieve configuration.',
    run: ({ session, msg, core }) => {
      const file = getHeader(msg, 'Filename');
      if (file === '') {
        session.send(response(msg, 'Error', 'Filename not specified'));
        return;
      }
      if (file !== 'rtp.conf') {
        session.send(response(msg, 'Error', 'Config file not found'));
        return;
      }
      session.send(response(msg, 'Success', null, null, rtpConfLines(core)));
    },
  },
];
