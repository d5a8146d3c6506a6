/**
 * The Swagger 1.1 documents of ARI (rest-api/api-docs/*.json) in Asterisk's shape, cut
 * to the resources and models the agent's ARI source and ari-client (swagger-client
 * 2.0.26) need: httpMethod, responseClass, nickname, paramType, and `basePath` rewritten to
 * the Host of the request as res_ari.c does.
 */

type Json = Record<string, unknown>;

interface OpSpec {
  readonly method: string;
  readonly nickname: string;
  readonly responseClass: string;
  /** `name:paramType[:required]` */
  readonly params?: readonly string[];
}

/** Per resource: path → operations. Only what the source or ari-client touches, plus a little. */
const RESOURCES: Readonly<Record<string, Readonly<Record<string, readonly OpSpec[]>>>> = {
  asterisk: {
    '/asterisk/info': [
      { method: 'GET', nickname: 'getInfo', responseClass: 'AsteriskInfo', params: ['only:query'] },
    ],
    '/asterisk/config/dynamic/{configClass}/{objectType}/{id}': [
      {
        method: 'GET',
        nickname: 'getObject',
        responseClass: 'List[ConfigTuple]',
        params: ['configClass:path:1', 'objectType:path:1', 'id:path:1'],
      },
    ],
    '/asterisk/variable': [
      { method: 'GET', nickname: 'getGlobalVar', responseClass: 'Variable', params: ['variable:query:1'] },
    ],
  },
  endpoints: {
    '/endpoints': [{ method: 'GET', nickname: 'list', responseClass: 'List[Endpoint]' }],
    '/endpoints/{tech}/{resource}': [
      {
        method: 'GET',
        nickname: 'get',
        responseClass: 'Endpoint',
        params: ['tech:path:1', 'resource:path:1'],
      },
    ],
  },
  channels: {
    '/channels': [{ method: 'GET', nickname: 'list', responseClass: 'List[Channel]' }],
    '/channels/{channelId}': [
      { method: 'GET', nickname: 'get', responseClass: 'Channel', params: ['channelId:path:1'] },
    ],
    '/channels/{channelId}/variable': [
      {
        method: 'GET',
        nickname: 'getChannelVar',
        responseClass: 'Variable',
        params: ['channelId:path:1', 'variable:query:1'],
      },
      {
        method: 'POST',
        nickname: 'setChannelVar',
        responseClass: 'void',
        params: ['channelId:path:1', 'variable:query:1', 'value:query'],
      },
    ],
  },
  bridges: {
    '/bridges': [{ method: 'GET', nickname: 'list', responseClass: 'List[Bridge]' }],
    '/bridges/{bridgeId}': [
      { method: 'GET', nickname: 'get', responseClass: 'Bridge', params: ['bridgeId:path:1'] },
    ],
  },
  events: {
    '/events': [
      {
        method: 'GET',
        nickname: 'eventWebsocket',
        responseClass: 'Message',
        params: ['app:query:1', 'subscribeAll:query'],
      },
    ],
    '/events/user/{eventName}': [
      {
        method: 'POST',
        nickname: 'userEvent',
        responseClass: 'void',
        params: ['eventName:path:1', 'application:query:1', 'source:query', 'variables:body'],
      },
    ],
  },
  applications: {
    '/applications': [{ method: 'GET', nickname: 'list', responseClass: 'List[Application]' }],
    '/applications/{applicationName}': [
      {
        method: 'GET',
        nickname: 'get',
        responseClass: 'Application',
        params: ['applicationName:path:1'],
      },
    ],
  },
};

function stringProps(names: readonly string[]): Json {
  return Object.fromEntries(names.map((n) => [n, { required: true, type: 'string' }]));
}

/** Models per resource; events.json carries the event models ari-client looks types up in. */
function models(resource: string): Json {
  const event = (id: string, props: Json): Json => ({ id, extends: 'Event', properties: props });
  switch (resource) {
    case 'asterisk':
      return {
        StatusInfo: { id: 'StatusInfo', properties: stringProps(['startup_time', 'last_reload_time']) },
        AsteriskInfo: {
          id: 'AsteriskInfo',
          properties: { status: { required: false, type: 'StatusInfo' } },
        },
        Variable: { id: 'Variable', properties: stringProps(['value']) },
        ConfigTuple: { id: 'ConfigTuple', properties: stringProps(['attribute', 'value']) },
      };
    case 'channels':
      return { Channel: { id: 'Channel', properties: stringProps(['id', 'name', 'state']) } };
    case 'bridges':
      return {
        Bridge: {
          id: 'Bridge',
          properties: {
            ...stringProps(['id', 'technology', 'bridge_type', 'bridge_class']),
            channels: { required: true, type: 'List[string]' },
          },
        },
      };
    case 'endpoints':
      return { Endpoint: { id: 'Endpoint', properties: stringProps(['technology', 'resource']) } };
    case 'applications':
      return { Application: { id: 'Application', properties: stringProps(['name']) } };
    case 'events': {
      const channel = { channel: { required: true, type: 'Channel' } };
      const bridge = { bridge: { required: true, type: 'Bridge' } };
      return {
        Message: { id: 'Message', properties: stringProps(['type']) },
        Event: {
          id: 'Event',
          extends: 'Message',
          properties: stringProps(['application', 'timestamp']),
        },
        ChannelCreated: event('ChannelCreated', channel),
        ChannelDestroyed: event('ChannelDestroyed', channel),
        ChannelStateChange: event('ChannelStateChange', channel),
        ChannelVarset: event('ChannelVarset', { channel: { required: false, type: 'Channel' } }),
        ChannelHold: event('ChannelHold', channel),
        ChannelUnhold: event('ChannelUnhold', channel),
        ChannelEnteredBridge: event('ChannelEnteredBridge', { ...channel, ...bridge }),
        ChannelLeftBridge: event('ChannelLeftBridge', { ...channel, ...bridge }),
        BridgeCreated: event('BridgeCreated', bridge),
        BridgeDestroyed: event('BridgeDestroyed', bridge),
        ChannelConnectedLine: event('ChannelConnectedLine', channel),
        ChannelCallerId: event('ChannelCallerId', channel),
        ChannelHangupRequest: event('ChannelHangupRequest', channel),
        ChannelDialplan: event('ChannelDialplan', channel),
        BridgeMerged: event('BridgeMerged', { ...bridge, bridge_from: { required: true, type: 'Bridge' } }),
        BridgeBlindTransfer: event('BridgeBlindTransfer', { channel: { required: true, type: 'Channel' } }),
        BridgeAttendedTransfer: event('BridgeAttendedTransfer', {
          transferer_first_leg: { required: true, type: 'Channel' },
        }),
      };
    }
    default:
      return {};
  }
}

export function resourceDoc(resource: string, basePath: string): Json | null {
  const paths = RESOURCES[resource];
  if (!paths) return null;
  return {
    apiVersion: '13.0.0',
    swaggerVersion: '1.1',
    basePath,
    resourcePath: `/api-docs/${resource}.{format}`,
    apis: Object.entries(paths).map(([path, ops]) => ({
      path,
      description: path,
      operations: ops.map((op) => ({
        httpMethod: op.method,
        summary: op.nickname,
        nickname: op.nickname,
        responseClass: op.responseClass,
        parameters: (op.params ?? []).map((p) => {
          const [name = '', paramType = 'query', required] = p.split(':');
          return { name, paramType, required: required === '1', allowMultiple: false, dataType: 'string' };
        }),
      })),
    })),
    models: models(resource),
  };
}

export function resourcesDoc(basePath: string): Json {
  return {
    apiVersion: '13.0.0',
    swaggerVersion: '1.1',
    basePath,
    apis: Object.keys(RESOURCES).map((r) => ({ path: `/api-docs/${r}.{format}`, description: r })),
  };
}
