import { randomBytes, randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { DomainError } from '../../common/errors/domain-error';
import { domainErrorFromRpc } from './agent-rpc-errors';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  method: string;
}

export interface AgentNotification {
  method: string;
  params: Record<string, unknown>;
}

/**
 * One authenticated agent socket: sends JSON-RPC requests (UUID id, timestamp, nonce), matches
 * the responses, and fails every pending request with AGENT_DISCONNECTED the moment the socket
 * goes away. Requests are never re-sent: the caller decides.
 */
export class AgentConnection {
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  lastFrameAt = Date.now();

  constructor(
    readonly agentId: string,
    readonly serverId: string,
    readonly version: string,
    readonly socket: WebSocket,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  request<T = unknown>(method: string, params: object | undefined, timeoutMs: number): Promise<T> {
    if (this.closed) {
      return Promise.reject(new DomainError('AGENT_DISCONNECTED', 'The agent is not connected.'));
    }
    const id = randomUUID();
    const frame = {
      jsonrpc: '2.0',
      id,
      method,
      ...(params && Object.keys(params).length > 0 ? { params } : {}),
      timestamp: Math.floor(Date.now() / 1000),
      nonce: randomBytes(16).toString('hex'),
    };
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new DomainError(
            'TIMEOUT',
            `The agent did not answer ${method} within ${Math.round(timeoutMs / 1000)} s.`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer, method });
      this.socket.send(JSON.stringify(frame), (error) => {
        if (error)
          this.settle(
            id,
            undefined,
            new DomainError('AGENT_DISCONNECTED', 'The agent socket failed while sending.'),
          );
      });
    });
  }

  /** A response frame: resolves or rejects its request. Unknown ids are ignored. */
  handleResponse(frame: { id?: unknown; result?: unknown; error?: unknown }): void {
    if (typeof frame.id !== 'string') return;
    if (frame.error && typeof frame.error === 'object') {
      this.settle(frame.id, undefined, domainErrorFromRpc(frame.error));
    } else {
      this.settle(frame.id, frame.result);
    }
  }

  /** The socket closed: every pending request fails at once. */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) {
      this.settle(
        id,
        undefined,
        new DomainError(
          'AGENT_DISCONNECTED',
          'The agent disconnected while the request was pending; it may or may not have run.',
        ),
      );
    }
  }

  close(code: number, reason: string): void {
    this.markClosed();
    this.socket.close(code, reason);
  }

  private settle(id: string, value: unknown, error?: Error): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }
}
