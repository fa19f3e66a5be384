import { DomainError } from '../../common/errors/domain-error';

/** JSON-RPC error codes of AGENT_PROTOCOL §3. */
export const RPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  POLICY: -32001,
  RATE_LIMITED: -32002,
  DOCKER: -32003,
  TIMEOUT: -32004,
} as const;

/** Maps an agent's error object to Tomo's error codes; unknown codes count as internal. */
export function domainErrorFromRpc(error: { code?: unknown; message?: unknown }): DomainError {
  const message = typeof error.message === 'string' ? error.message.slice(0, 1000) : 'no message';
  switch (error.code) {
    case RPC.POLICY:
      return new DomainError('AGENT_POLICY_REFUSED', `The agent refused: ${message}`);
    case RPC.RATE_LIMITED:
      return new DomainError('RATE_LIMITED', `The agent is rate limiting: ${message}`);
    case RPC.DOCKER:
      return new DomainError('AGENT_ERROR', `Docker on the server: ${message}`);
    case RPC.TIMEOUT:
      return new DomainError('TIMEOUT', `The agent timed out: ${message}`);
    case RPC.INVALID_PARAMS:
      return new DomainError('VALIDATION_FAILED', `The agent rejected the parameters: ${message}`);
    case RPC.METHOD_NOT_FOUND:
      return new DomainError('AGENT_ERROR', `The agent does not support this: ${message}`);
    case RPC.INVALID_REQUEST:
      return new DomainError('AGENT_ERROR', `The agent refused the request: ${message}`);
    default:
      return new DomainError('AGENT_ERROR', `The agent failed: ${message}`);
  }
}
