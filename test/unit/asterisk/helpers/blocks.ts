/**
 * AMI blocks written from the reference (main/manager_channels.c,
 * main/manager_bridges.c field order), for fixtures.
 */

import { AmiMessage } from '../../../../src/asterisk/ami/message.js';
import type { Pairs } from './ami-peer.js';

export interface ChannelFixture {
  name: string;
  uniqueid: string;
  linkedid?: string;
  state?: number;
  context?: string;
  exten?: string;
}

export function channelBlock(c: ChannelFixture, prefix = ''): Pairs {
  return [
    [`${prefix}Channel`, c.name],
    [`${prefix}ChannelState`, String(c.state ?? 6)],
    [`${prefix}ChannelStateDesc`, 'Up'],
    [`${prefix}CallerIDNum`, '2001'],
    [`${prefix}CallerIDName`, 'Alice'],
    [`${prefix}ConnectedLineNum`, '2002'],
    [`${prefix}ConnectedLineName`, 'Bob'],
    [`${prefix}Language`, 'en'],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, c.context ?? 'internal'],
    [`${prefix}Exten`, c.exten ?? '2002'],
    [`${prefix}Priority`, '1'],
    [`${prefix}Uniqueid`, c.uniqueid],
    [`${prefix}Linkedid`, c.linkedid ?? c.uniqueid],
  ];
}

export interface BridgeFixture {
  id: string;
  type?: string;
  technology?: string;
  members?: number;
}

export function bridgeBlock(b: BridgeFixture, prefix = ''): Pairs {
  return [
    [`${prefix}BridgeUniqueid`, b.id],
    [`${prefix}BridgeType`, b.type ?? 'basic'],
    [`${prefix}BridgeTechnology`, b.technology ?? 'simple_bridge'],
    [`${prefix}BridgeCreator`, '<unknown>'],
    [`${prefix}BridgeName`, '<unknown>'],
    [`${prefix}BridgeNumChannels`, String(b.members ?? 2)],
    [`${prefix}BridgeVideoSourceMode`, 'none'],
  ];
}

/** Parses AMI text (one message, `Key: Value` lines) the way asterisk-manager does. */
export function amiText(text: string): AmiMessage {
  const pairs = text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l !== '')
    .map((l): [string, string] => {
      const i = l.indexOf(': ');
      return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 2)];
    });
  return AmiMessage.fromPairs(pairs);
}

export function event(name: string, ...blocks: Pairs[]): AmiMessage {
  return AmiMessage.fromPairs([['Event', name], ['Privilege', 'call,all'], ...blocks.flat()]);
}
