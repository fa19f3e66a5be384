/** Names, codes and limits of AGENT_PROTOCOL.md, in one place so no module spells them twice. */

export const MAX_FRAME_BYTES = 1024 * 1024;

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  handshakeFailed: 4001,
  revoked: 4003,
  replaced: 4004,
} as const;

export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  policyBlocked: -32001,
  rateLimited: -32002,
  dockerError: -32003,
  timedOut: -32004,
} as const;

export type RpcErrorCodeValue = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** Thrown by method handlers; anything else thrown becomes -32603. */
export class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCodeValue,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export type RpcId = string | number;

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

export type RpcResponse =
  | { jsonrpc: '2.0'; id: RpcId | null; result: unknown }
  | { jsonrpc: '2.0'; id: RpcId | null; error: RpcErrorBody };

export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params: Record<string, unknown>;
}

export type Params = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
