/**
 * `GET /channels/{id}/variable?variable=…` (res/ari/resource_channels.c
 * ast_ari_channels_get_channel_var) in the terms the AMI leg reader uses: a string, with ''
 * standing for "the function failed", so the value parsers of getvar-values.ts apply as is.
 *
 * - 200 `{"value":"198.51.100.10:20000"}`.
 * - 404 `Channel Not Found` / `{"message":"Provided channel was not found"}`: the channel is
 *   gone (recorded on 22.11); thrown as AriNotFoundError.
 * - 404 `{"message":"Provided variable was not found"}`: only for plain variables, never for
 *   a function; read as ''.
 * - 500 `{"message":"Unable to read provided function"}`: CHANNEL() failed (e.g. not a PJSIP
 *   channel); read as '', which the parsers treat as unreadable, hence unsafe.
 * The documented 409 "not in a Stasis application" is not enforced (works on any channel).
 */

import { AriBadResponseError, AriHttpError, AriNotFoundError } from './errors.js';
import type { AriHttp } from './http.js';
import { isObject } from './json-fields.js';

export type VariableReply =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'gone'; readonly message: string }
  | { readonly kind: 'failed'; readonly why: string };

/** Meaning of one reply, from its status and parsed body. */
export function variableReply(status: number, body: unknown): VariableReply {
  const message = isObject(body) && typeof body['message'] === 'string' ? body['message'] : '';
  if (status >= 200 && status < 300) {
    if (isObject(body) && typeof body['value'] === 'string') return { kind: 'value', value: body['value'] };
    return { kind: 'failed', why: `200 without a string value: ${JSON.stringify(body)?.slice(0, 80)}` };
  }
  if (status === 404 && /variable/i.test(message)) return { kind: 'failed', why: message };
  if (status === 404) return { kind: 'gone', message };
  if (status === 500) return { kind: 'failed', why: message || 'HTTP 500' };
  return { kind: 'failed', why: `HTTP ${status} ${message}`.trim() };
}

/**
 * Reads one variable or function; resolves '' when it failed, rejects with AriNotFoundError
 * when the channel is gone, and with the transport's error otherwise.
 */
export async function readChannelVariable(
  http: AriHttp,
  channelId: string,
  variable: string,
  onFailed: (why: string) => void = () => undefined,
): Promise<string> {
  const path = `/channels/${encodeURIComponent(channelId)}/variable`;
  let r: VariableReply;
  try {
    const reply = await http.get(path, { variable });
    r = variableReply(reply.status, reply.body);
  } catch (err) {
    if (!(err instanceof AriHttpError) || err.status === 401 || err.status === 403) throw err;
    r = variableReply(err.status, { message: err.ariMessage });
  }
  switch (r.kind) {
    case 'value':
      return r.value;
    case 'gone':
      throw new AriNotFoundError(`GET ${path}`, r.message);
    case 'failed':
      onFailed(`${variable}: ${r.why}`);
      if (r.why.startsWith('200 without')) throw new AriBadResponseError(`GET ${path}`, [r.why]);
      return '';
  }
}
