import { describe, expect, it } from 'vitest';
import { NetError } from '../../../src/net/errors.js';
import { neighbourTarget, parseRouteGet } from '../../../src/net/parse-route.js';
import { fixtureJson } from './helpers.js';

describe('parseRouteGet', () => {
  it.each([
    [
      'route-get-v4-direct.json',
      {
        type: 'unicast',
        destination: '198.51.100.10',
        device: 'breth0',
        gateway: null,
        preferredSource: '198.51.100.1',
      },
    ],
    [
      'route-get-v6-direct.json',
      {
        type: 'unicast',
        destination: '2001:db8:100::10',
        device: 'breth0',
        gateway: null,
        preferredSource: '2001:db8:100::1',
      },
    ],
    [
      'route-get-v4-gateway.json',
      {
        type: 'unicast',
        destination: '203.0.113.7',
        device: 'breth0',
        gateway: '198.51.100.11',
        preferredSource: '198.51.100.1',
      },
    ],
    [
      'route-get-v6-gateway.json',
      {
        type: 'unicast',
        destination: '2001:db8:203::7',
        device: 'breth0',
        gateway: '2001:db8:100::11',
        preferredSource: '2001:db8:100::1',
      },
    ],
    [
      'route-get-via-inet6.json',
      {
        type: 'unicast',
        destination: '192.0.2.200',
        device: 'breth0',
        gateway: '2001:db8:100::12',
        preferredSource: '198.51.100.1',
      },
    ],
    [
      'route-get-local.json',
      {
        type: 'local',
        destination: '198.51.100.1',
        device: 'lo',
        gateway: null,
        preferredSource: '198.51.100.1',
      },
    ],
    [
      'route-get-local-v6.json',
      {
        type: 'local',
        destination: '2001:db8:100::1',
        device: 'lo',
        gateway: null,
        preferredSource: '2001:db8:100::1',
      },
    ],
    [
      'route-get-broadcast.json',
      {
        type: 'broadcast',
        destination: '198.51.100.255',
        device: 'breth0',
        gateway: null,
        preferredSource: '198.51.100.1',
      },
    ],
  ])('reads %s', (file, expected) => {
    expect(parseRouteGet(fixtureJson(file))).toEqual(expected);
  });

  it.each([
    ['an empty array', []],
    ['not an array', { dst: '198.51.100.10' }],
    ['a route without dst', [{ dev: 'breth0' }]],
    ['a non-object entry', ['198.51.100.10']],
  ])('rejects %s as bad output of route get', (_name, json) => {
    const err = (() => {
      try {
        parseRouteGet(json);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NetError);
    expect(err).toMatchObject({ code: 'NET_ROUTE_GET', reason: 'bad-output' });
  });
});

describe('neighbourTarget', () => {
  it('is the destination itself when it is on-link', () => {
    expect(neighbourTarget(parseRouteGet(fixtureJson('route-get-v4-direct.json')))).toEqual({
      device: 'breth0',
      address: '198.51.100.10',
      via: null,
    });
  });

  it('is the gateway when the route has one, of either family', () => {
    expect(neighbourTarget(parseRouteGet(fixtureJson('route-get-v6-gateway.json')))).toEqual({
      device: 'breth0',
      address: '2001:db8:100::11',
      via: '2001:db8:100::11',
    });
    expect(neighbourTarget(parseRouteGet(fixtureJson('route-get-via-inet6.json')))).toEqual({
      device: 'breth0',
      address: '2001:db8:100::12',
      via: '2001:db8:100::12',
    });
  });

  it.each(['route-get-local.json', 'route-get-local-v6.json', 'route-get-broadcast.json'])(
    'refuses %s: there is no next hop to send a frame to',
    (file) => {
      expect(() => neighbourTarget(parseRouteGet(fixtureJson(file)))).toThrow(
        expect.objectContaining({ code: 'NET_ROUTE_GET', reason: 'not-unicast' }),
      );
    },
  );
});
