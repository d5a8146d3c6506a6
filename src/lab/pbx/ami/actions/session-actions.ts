import type { ActionDef } from './table.js';
import { actionIdField } from '../replies.js';

/**
 * Login, Logoff and Challenge are answered by the session itself (they work before
 * login); they are listed here so ListCommands shows them as Asterisk does.
 */
const handledBySession = (): void => undefined;

export const sessionActions: readonly ActionDef[] = [
  { name: 'Login', authority: 0, synopsis: 'Login Manager.', run: handledBySession },
  { name: 'Logoff', authority: 0, synopsis: 'Logoff Manager.', run: handledBySession },
  { name: 'Challenge', authority: 0, synopsis: 'Generate Challenge for MD5 Auth.', run: handledBySession },
  {
    name: 'Events',
    authority: 0,
    synopsis: 'Control Event Flow.',
    run: ({ session, msg }) => session.setEventMask(msg),
  },
  {
    name: 'Ping',
    authority: 0,
    synopsis: 'Keepalive command.',
    run: ({ session, msg }) => {
      const now = Date.now();
      session.send([
        ['Response', 'Success'],
        ...actionIdField(msg),
        ['Ping', 'Pong'],
        ['Timestamp', `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}`],
      ]);
    },
  },
];
