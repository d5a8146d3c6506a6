import { getHeader, type AmiField, type AmiMessage } from './message.js';

/** `ActionID:` is echoed only when the client sent a non-empty one. */
export function actionIdField(msg: AmiMessage): AmiField[] {
  const id = getHeader(msg, 'ActionID');
  return id === '' ? [] : [['ActionID', id]];
}

/**
 * astman_send_response_full: Response, ActionID, EventList (list acks), Message. With
 * `more` the caller appends its own fields (astman_start_ack, MSG_MOREDATA).
 */
export function response(
  msg: AmiMessage,
  resp: 'Success' | 'Error' | 'Goodbye',
  message: string | null,
  listFlag: string | null = null,
  more: readonly AmiField[] = [],
): AmiField[] {
  const out: AmiField[] = [['Response', resp], ...actionIdField(msg)];
  if (listFlag !== null) out.push(['EventList', listFlag]);
  if (message !== null) out.push(['Message', message]);
  return [...out, ...more];
}

export const ack = (msg: AmiMessage, message: string): AmiField[] => response(msg, 'Success', message);
export const error = (msg: AmiMessage, message: string): AmiField[] => response(msg, 'Error', message);
/** astman_send_listack: `EventList: start` before the items. */
export const listAck = (msg: AmiMessage, message: string): AmiField[] =>
  response(msg, 'Success', message, 'start');

/** astman_send_list_complete_start/_end: the closing event of a list. */
export function listComplete(
  msg: AmiMessage,
  eventName: string,
  count: number,
  extra: readonly AmiField[] = [],
): AmiField[] {
  return [
    ['Event', eventName],
    ...actionIdField(msg),
    ['EventList', 'Complete'],
    ['ListItems', String(count)],
    ...extra,
  ];
}
