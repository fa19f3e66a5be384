import { RpcErrorCode, type RpcId, type RpcResponse } from './protocol';

/**
 * At-most-once execution of AGENT_PROTOCOL.md §6: the ids of the last 10 minutes' requests and
 * their responses. A repeated id gets the remembered response, or -32600 while the first copy is
 * still running, so a retried `system.exec` never runs twice.
 *
 * Responses can be up to 1 MiB; under a byte budget the oldest bodies are swapped for a small
 * error rather than forgetting the id, because forgetting would let the request run again.
 */
export interface RequestLedgerOptions {
  ttlMs: number;
  maxBytes: number;
  nowMs: () => number;
}

export type LedgerLookup =
  { state: 'new' } | { state: 'running' } | { state: 'done'; response: RpcResponse };

interface Entry {
  id: RpcId;
  response?: RpcResponse;
  bytes: number;
  expiresAt: number;
}

const DEFAULTS: RequestLedgerOptions = {
  ttlMs: 10 * 60_000,
  maxBytes: 64 * 1024 * 1024,
  nowMs: Date.now,
};

function key(id: RpcId): string {
  return `${typeof id}:${String(id)}`;
}

export class RequestLedger {
  private readonly options: RequestLedgerOptions;
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<RequestLedgerOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Looks the id up and, when it is new, records it as running. */
  begin(id: RpcId): LedgerLookup {
    this.prune();
    const existing = this.entries.get(key(id));
    if (existing === undefined) {
      this.entries.set(key(id), { id, bytes: 0, expiresAt: Number.POSITIVE_INFINITY });
      return { state: 'new' };
    }
    if (existing.response === undefined) return { state: 'running' };
    return { state: 'done', response: existing.response };
  }

  complete(id: RpcId, response: RpcResponse, bytes: number): void {
    const entry = this.entries.get(key(id));
    if (entry === undefined) return;
    entry.response = response;
    entry.bytes = bytes;
    entry.expiresAt = this.options.nowMs() + this.options.ttlMs;
    this.totalBytes += bytes;
    this.enforceBudget();
  }

  /** For a request that was accepted but never started (its connection closed while it waited). */
  forget(id: RpcId): void {
    const entry = this.entries.get(key(id));
    if (entry === undefined) return;
    this.totalBytes -= entry.bytes;
    this.entries.delete(key(id));
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  private prune(): void {
    const now = this.options.nowMs();
    if (now - this.lastPruneMs < 1_000) return;
    this.lastPruneMs = now;
    for (const [k, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.totalBytes -= entry.bytes;
        this.entries.delete(k);
      }
    }
  }

  private enforceBudget(): void {
    if (this.totalBytes <= this.options.maxBytes) return;
    for (const entry of this.entries.values()) {
      if (this.totalBytes <= this.options.maxBytes) break;
      if (entry.response === undefined || entry.bytes === 0) continue;
      this.totalBytes -= entry.bytes;
      entry.bytes = 0;
      entry.response = {
        jsonrpc: '2.0',
        id: entry.id,
        error: {
          code: RpcErrorCode.invalidRequest,
          message: 'Duplicate request id: already executed; its result is no longer kept',
        },
      };
    }
  }
}
