import { describe, expect, it } from 'vitest';
import {
  ALL_CLASSES,
  EventClass,
  authorityToString,
  eventMaskFromString,
  mayRunAction,
  parsePermissions,
  sessionWantsEvent,
} from '../../../src/lab/pbx/ami/privileges.js';

const { system, call, reporting, dialplan, user } = EventClass;

describe('manager permissions', () => {
  it.each([
    ['all', ALL_CLASSES],
    ['system,call', system | call],
    ['call,reporting', call | reporting],
    ['', 0],
    ['Call', 0], // labels are matched case-sensitively, as ast_instring does
    ['none', 0],
  ])('read/write string %j gives mask %i', (text, mask) => {
    expect(parsePermissions(text)).toBe(mask);
  });

  it.each([
    ['', -1],
    ['on', ALL_CLASSES],
    ['off', 0],
    ['no', 0],
    ['6', 6],
    ['call', call],
    ['system,reporting', system | reporting],
  ])('Events: %j gives mask %i', (text, mask) => {
    expect(eventMaskFromString(text)).toBe(mask);
  });

  it('treats every true word as all classes', () => {
    for (const w of ['on', 'yes', 'true', 'y', 't']) expect(eventMaskFromString(w) & call).toBe(call);
  });

  it.each([
    [call, 'call,all'],
    [reporting, 'reporting,all'],
    [system | reporting, 'system,reporting,all'],
    [0, '<none>'],
  ])('authority %i prints as %s', (authority, text) => {
    expect(authorityToString(authority)).toBe(text);
  });

  // read=, Events: mask, event class → delivered?
  it.each([
    ['all', -1, call, true],
    ['call', -1, call, true],
    ['call', -1, reporting, false],
    ['all', eventMaskFromString('call'), reporting, false],
    ['call', eventMaskFromString('call,reporting'), reporting, false], // the mask cannot widen read=
    ['all', 0, call, false],
    ['call', eventMaskFromString('on'), dialplan, false],
  ])('read=%s with mask %i gets class %i: %s', (read, mask, cls, expected) => {
    expect(sessionWantsEvent(parsePermissions(read), mask, cls)).toBe(expected);
  });

  // write=, action authority → allowed?
  it.each([
    ['', 0, true], // BridgeList, Ping: any logged-in user
    ['', call | reporting, false],
    ['reporting', call | reporting, true], // Getvar: either class is enough
    ['call', system | reporting, false], // CoreShowChannels
    ['user', user, true], // UserEvent
    ['all', system, true],
  ])('write=%j may run an action of authority %i: %s', (write, authority, expected) => {
    expect(mayRunAction(parsePermissions(write), authority)).toBe(expected);
  });
});
