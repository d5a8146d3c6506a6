/** Stable codes for everything the simulated PBX and its AMI server can refuse. */
export type PbxErrorCode =
  | 'PBX_BAD_OPTION'
  | 'PBX_UNKNOWN_ENDPOINT'
  | 'PBX_NO_SUCH_CALL'
  | 'PBX_CALL_ENDED'
  | 'PBX_BAD_STATE'
  | 'PBX_RTP_BIND_FAILED'
  | 'PBX_STOPPED'
  | 'AMI_LISTEN_FAILED';

export class PbxError extends Error {
  constructor(
    readonly code: PbxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PbxError';
  }
}
