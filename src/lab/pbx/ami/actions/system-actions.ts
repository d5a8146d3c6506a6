import { userEvent } from '../events.js';
import { getHeader } from '../message.js';
import { EventClass, authorityToString, mayRunAction } from '../privileges.js';
import { ack, actionIdField } from '../replies.js';
import { serializeMessage } from '../serializer.js';
import type { ActionDef, ActionTable } from './table.js';

const pad = (n: number): string => String(n).padStart(2, '0');
const localDate = (d: Date): string => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localTime = (d: Date): string => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

/** CoreStatus, ListCommands, UserEvent (main/manager.c). */
export function systemActions(table: () => ActionTable): ActionDef[] {
  return [
    {
      name: 'CoreStatus',
      authority: EventClass.system | EventClass.reporting,
      synopsis: 'Show PBX core status variables.',
      run: ({ session, msg, core }) => {
        const start = core.startupTime();
        const reload = core.reloadTime();
        session.send([
          ['Response', 'Success'],
          ...actionIdField(msg),
          ['CoreStartupDate', localDate(start)],
          ['CoreStartupTime', localTime(start)],
          ['CoreReloadDate', localDate(reload)],
          ['CoreReloadTime', localTime(reload)],
          // ast_active_channels() counts channels, not calls.
          ['CoreCurrentCalls', String(core.channels().length)],
          ['CoreProcessedCalls', String(core.processedCalls())],
        ]);
      },
    },
    {
      name: 'ListCommands',
      authority: 0,
      synopsis: 'List available manager commands.',
      run: ({ session, msg }) => {
        let text = serializeMessage([['Response', 'Success'], ...actionIdField(msg)]).slice(0, -2);
        for (const def of table().values()) {
          if (mayRunAction(session.writePerm, def.authority))
            // action_listcommands: two blanks before the privilege for documented actions.
            text += `${def.name}: ${def.synopsis}${def.undocumented ? ' ' : '  '}(Priv: ${authorityToString(def.authority)})\r\n`;
        }
        session.write(text + '\r\n');
      },
    },
    {
      name: 'UserEvent',
      authority: EventClass.user,
      synopsis: 'Send an arbitrary event.',
      run: ({ session, msg, core }) => {
        // action_userevent copies every header but Action and UserEvent, ActionID included.
        const body = msg.lines.filter((l) => !/^(userevent|action):/i.test(l));
        session.send(ack(msg, 'Event Sent'));
        core.emit(userEvent(body, getHeader(msg, 'UserEvent')));
      },
    },
  ];
}
