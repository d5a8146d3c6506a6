/** The AMI adapter: the only code that knows AMI names. */
export { AmiSource, type AmiSourceStats } from './ami/source.js';
export { DEFAULT_AMI_OPTIONS, type AmiSourceOptions } from './ami/options.js';
export type { AmiStatus } from './ami/connection.js';
export type { AmiLogger } from './ami/logger.js';
export {
  AmiClientError,
  AmiError,
  AmiAuthError,
  AmiTimeoutError,
  AmiDisconnectedError,
  AmiBadArgumentError,
  type AmiErrorCode,
} from './ami/errors.js';
export * from './ari/index.js';
