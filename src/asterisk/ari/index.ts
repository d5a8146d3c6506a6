/** The ARI adapter's public surface. */
export { AriSource, type AriSourceStats } from './source.js';
export { DEFAULT_ARI_OPTIONS, type AriSourceOptions, type AriQueueOptions } from './options.js';
export type { AriStatus } from './event-stream.js';
export {
  AriClientError,
  AriHttpError,
  AriNotFoundError,
  AriAuthError,
  AriTimeoutError,
  AriUnreachableError,
  AriDisconnectedError,
  AriBadResponseError,
  type AriErrorCode,
} from './errors.js';
