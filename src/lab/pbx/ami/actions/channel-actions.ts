import { channelBlock } from '../blocks.js';
import { getHeader } from '../message.js';
import { EventClass } from '../privileges.js';
import { ack, actionIdField, error, listAck, listComplete, response } from '../replies.js';
import type { ActionDef } from './table.js';

function duration(createdAt: number): string {
  const s = Math.floor((Date.now() - createdAt) / 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

/** Getvar, Setvar, Hangup, CoreShowChannels (main/manager.c). */
export const channelActions: readonly ActionDef[] = [
  {
    name: 'Getvar',
    authority: EventClass.call | EventClass.reporting,
    synopsis: 'Gets a channel variable or function value.',
    run: ({ session, msg, core }) => {
      const variable = getHeader(msg, 'Variable');
      if (variable === '') {
        session.send(error(msg, 'No variable specified'));
        return;
      }
      const name = getHeader(msg, 'Channel');
      const channel = name === '' ? null : core.findChannel(name);
      if (name !== '' && !channel) {
        session.send(error(msg, 'No such channel'));
        return;
      }
      // A failing function read still answers Success, with an empty Value.
      const value = core.readVariable(channel, variable);
      session.send(
        response(msg, 'Success', null, null, [
          ['Variable', variable],
          ['Value', value],
        ]),
      );
    },
  },
  {
    name: 'Setvar',
    authority: EventClass.call,
    synopsis: 'Sets a channel variable or function value.',
    run: ({ session, msg, core }) => {
      const variable = getHeader(msg, 'Variable');
      if (variable === '') {
        session.send(error(msg, 'No variable specified'));
        return;
      }
      const name = getHeader(msg, 'Channel');
      const channel = name === '' ? null : core.findChannel(name);
      if (name !== '' && !channel) {
        session.send(error(msg, 'No such channel'));
        return;
      }
      core.setVariable(channel, variable, getHeader(msg, 'Value'));
      session.send(ack(msg, 'Variable Set'));
    },
  },
  {
    name: 'Hangup',
    authority: EventClass.system | EventClass.call,
    synopsis: 'Hangup channel.',
    run: ({ session, msg, core }) => {
      const target = getHeader(msg, 'Channel');
      if (target === '') {
        session.send(error(msg, 'No channel specified'));
        return;
      }
      const causeText = getHeader(msg, 'Cause');
      let cause = /^[0-9]+$/.test(causeText) ? Number(causeText) : 0;
      if (cause > 127) cause = 0;
      const hangupCause = cause > 0 ? cause : 16;
      if (target.startsWith('/')) {
        const re = regexOf(target);
        if (!re) {
          session.send(error(msg, 'Regex compile failed on: ' + target));
          return;
        }
        session.send(listAck(msg, 'Channels hung up will follow'));
        let n = 0;
        for (const c of [...core.channels()]) {
          if (!re.test(c.name)) continue;
          core.hangupChannel(c, hangupCause);
          session.send([['Event', 'ChannelHungup'], ['Channel', c.name], ...actionIdField(msg)]);
          n++;
        }
        session.send(listComplete(msg, 'ChannelsHungupListComplete', n));
        return;
      }
      const channel = core.findChannel(target);
      if (!channel) {
        session.send(error(msg, 'No such channel'));
        return;
      }
      core.hangupChannel(channel, hangupCause);
      session.send(ack(msg, 'Channel Hungup'));
    },
  },
  {
    name: 'CoreShowChannels',
    authority: EventClass.system | EventClass.reporting,
    synopsis: 'List currently active channels.',
    run: ({ session, msg, core }) => {
      session.send(listAck(msg, 'Channels will follow'));
      const channels = core.channels();
      for (const c of channels) {
        session.send([
          ['Event', 'CoreShowChannel'],
          ...actionIdField(msg),
          ...channelBlock(c),
          ['Application', c.appl],
          ['ApplicationData', c.data],
          ['Duration', duration(c.createdAt)],
          ['BridgeId', c.bridge?.uniqueid ?? ''],
        ]);
      }
      session.send(listComplete(msg, 'CoreShowChannelsComplete', channels.length));
    },
  },
];

/** `/regex/` as ast_manager_hangup_helper takes it (POSIX extended, here JS). */
function regexOf(text: string): RegExp | null {
  const body = text.endsWith('/') && text.length > 1 ? text.slice(1, -1) : text.slice(1);
  try {
    return new RegExp(body);
  } catch {
    return null;
  }
}
