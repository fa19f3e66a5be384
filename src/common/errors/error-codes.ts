/**
 * Every error code a client can see, with the HTTP status REST maps it to.
 * MCP returns the same code in `{code, message}` of an `isError` result.
 */
export const ERROR_HTTP_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  /** The agent refused the request under its own policy (privileged containers, …). */
  AGENT_POLICY_REFUSED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** The server's SSH host key differs from the pinned one; an admin must accept it. */
  HOST_KEY_MISMATCH: 409,
  /** The backup's database schema is newer than this build's migrations. */
  BACKUP_SCHEMA_NEWER: 409,
  /** The backup holds sealed secrets under a key this installation does not have. */
  BACKUP_KEY_MISSING: 409,
  /** The backup's audit chain needs an audit key this installation cannot take (TOMO_AUDIT_KEY). */
  BACKUP_AUDIT_KEY_MISMATCH: 409,
  SETUP_CLOSED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PASSWORD_REJECTED: 422,
  /** The file is not a valid Tomo backup (damaged, altered, truncated or another kind of file). */
  BACKUP_INVALID: 422,
  /** The backup's passphrase is missing or wrong. */
  BACKUP_PASSPHRASE_INVALID: 422,
  ACCOUNT_LOCKED: 423,
  UNSUPPORTED_OS: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** The SSH connection could not be made or was lost. */
  SSH_UNREACHABLE: 502,
  /** The server refused the stored credential. */
  SSH_AUTH_FAILED: 502,
  /** A remote step (an install, say) ran and failed. */
  REMOTE_FAILED: 502,
  /** The agent answered with an error (Docker's message, an internal error). */
  AGENT_ERROR: 502,
  UNAVAILABLE: 503,
  AGENT_OFFLINE: 503,
  /** The agent's socket closed while the request was pending; it may or may not have run. */
  AGENT_DISCONNECTED: 503,
  TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_HTTP_STATUS[code];
}
