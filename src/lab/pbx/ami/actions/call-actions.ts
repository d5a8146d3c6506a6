import { getHeader } from '../message.js';
import { EventClass } from '../privileges.js';
import { ack, actionIdField, error } from '../replies.js';
import type { ActionDef } from './table.js';

/** MixMonitor/StopMixMonitor (apps/app_mixmonitor.c), BlindTransfer and Atxfer (main/manager.c). */
export const callActions: readonly ActionDef[] = [
  {
    name: 'MixMonitor',
    // app_mixmonitor registers MixMonitor with EVENT_FLAG_SYSTEM only (ListCommands: system,all).
    authority: EventClass.system,
    synopsis:
      'Record a call and mix the audio during the recording.  Use of StopMixMonitor is required to guarantee the audio file is available for processing during dialplan execution.',
    run: ({ session, msg, core }) => {
      const name = getHeader(msg, 'Channel');
      if (name === '') return session.send(error(msg, 'No channel specified'));
      const c = core.findChannel(name);
      if (!c) return session.send(error(msg, 'No such channel'));
      if (!core.startMixMonitor(c)) return session.send(error(msg, 'Could not start monitoring channel'));
      session.send([['Response', 'Success'], ...actionIdField(msg)]);
    },
  },
  {
    name: 'StopMixMonitor',
    authority: EventClass.system | EventClass.call,
    synopsis: "Stop recording a call through MixMonitor, and free the recording's file handle.",
    run: ({ session, msg, core }) => {
      const name = getHeader(msg, 'Channel');
      if (name === '') return session.send(error(msg, 'No channel specified'));
      const c = core.findChannel(name);
      if (!c) return session.send(error(msg, 'No such channel'));
      if (!core.stopMixMonitor(c)) return session.send(error(msg, 'Could not stop monitoring channel'));
      session.send([['Response', 'Success'], ...actionIdField(msg)]);
    },
  },
  {
    name: 'BlindTransfer',
    authority: EventClass.call,
    synopsis: 'Blind transfer channel(s) to the given destination',
    run: ({ session, msg, core }) => {
      const name = getHeader(msg, 'Channel');
      const exten = getHeader(msg, 'Exten');
      if (name === '') return session.send(error(msg, 'No channel specified'));
      if (exten === '') return session.send(error(msg, 'No extension specified'));
      const c = core.findChannel(name);
      if (!c) return session.send(error(msg, 'Channel specified does not exist'));
      const context = getHeader(msg, 'Context') || c.context;
      const result = core.blindTransfer(c, exten, context);
      if (result === 'Success') return session.send(ack(msg, 'Transfer succeeded'));
      const text = {
        'Not Permitted': 'Transfer not permitted',
        Invalid: 'Transfer invalid',
        Fail: 'Transfer failed',
      };
      session.send(error(msg, text[result]));
    },
  },
  {
    name: 'Atxfer',
    authority: EventClass.call,
    synopsis: 'Attended transfer.',
    run: ({ session, msg, core }) => {
      const name = getHeader(msg, 'Channel');
      const exten = getHeader(msg, 'Exten');
      if (name === '') return session.send(error(msg, 'No channel specified'));
      if (exten === '') return session.send(error(msg, 'No extension specified'));
      const c = core.findChannel(name);
      if (!c) return session.send(error(msg, 'Channel specified does not exist'));
      const context = getHeader(msg, 'Context') || c.context;
      if (!core.attendedTransferByExten(c, exten, context))
        return session.send(error(msg, `Extension ${exten}@${context} does not exist`));
      session.send(ack(msg, 'Atxfer successfully queued'));
    },
  },
];
