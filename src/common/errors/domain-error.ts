import { ErrorCode } from './error-codes';

/**
 * A failure the caller can act on. Services throw it; each transport maps it once
 * (REST: problem+json, MCP: isError result). The message is shown to the caller, so it
 * never carries a secret, a stack trace or SQL.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string): DomainError =>
  new DomainError('NOT_FOUND', `${what} ${id} was not found.`);
