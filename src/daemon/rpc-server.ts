import { errorMessage, type Logger } from './logger';
import {
  isPlainObject,
  MAX_FRAME_BYTES,
  RpcError,
  RpcErrorCode,
  type Params,
  type RpcId,
  type RpcResponse,
} from './protocol';
import { ReplayGuard } from './replay-guard';
import { RequestLedger } from './request-ledger';
import { Semaphore } from './semaphore';

export interface CallInfo {
  id: RpcId;
  method: string;
}

export type MethodHandler = (params: Params, call: CallInfo) => Promise<unknown>;

/** Where responses go: the socket the request came in on. */
export interface Channel {
  send(frame: string): void;
  isOpen(): boolean;
}

export interface RpcServerOptions {
  methods: ReadonlyMap<string, MethodHandler>;
  logger: Logger;
  replayGuard?: ReplayGuard;
  ledger?: RequestLedger;
  /** AGENT_PROTOCOL.md §3: at most 8 requests at a time. */
  concurrency?: number;
  nowMs?: () => number;
}

function errorResponse(id: RpcId | null, code: number, message: string, data?: unknown) {
  const error = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0' as const, id, error };
}

function isRpcId(value: unknown): value is RpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * The JSON-RPC side of the agent. One instance lives as long as the process, across reconnects:
 * a nonce or request id seen on an earlier connection must still be recognised on the next one.
 */
export class RpcServer {
  private readonly methods: ReadonlyMap<string, MethodHandler>;
  private readonly logger: Logger;
  private readonly replayGuard: ReplayGuard;
  private readonly ledger: RequestLedger;
  private readonly slots: Semaphore;
  private readonly nowMs: () => number;

  constructor(options: RpcServerOptions) {
    this.methods = options.methods;
    this.logger = options.logger;
    this.replayGuard = options.replayGuard ?? new ReplayGuard();
    this.ledger = options.ledger ?? new RequestLedger();
    this.slots = new Semaphore(options.concurrency ?? 8);
    this.nowMs = options.nowMs ?? Date.now;
  }

  get running(): number {
    return this.slots.running;
  }

  /** Never throws: a malformed frame gets an error response (when it can be addressed) or a log line. */
  async handleFrame(text: string, channel: Channel): Promise<void> {
    try {
      await this.dispatch(text, channel);
    } catch (err) {
      this.logger.error('rpc.dispatch_failed', { error: errorMessage(err) });
    }
  }

  private async dispatch(text: string, channel: Channel): Promise<void> {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.logger.warn('rpc.parse_error', { bytes: Buffer.byteLength(text) });
      this.reply(channel, errorResponse(null, RpcErrorCode.parseError, 'Parse error'));
      return;
    }
    if (Array.isArray(frame)) {
      this.reply(
        channel,
        errorResponse(null, RpcErrorCode.invalidRequest, 'Batch requests are not supported'),
      );
      return;
    }
    if (!isPlainObject(frame)) {
      this.reply(channel, errorResponse(null, RpcErrorCode.invalidRequest, 'Invalid Request'));
      return;
    }
    if (!('id' in frame) || frame.id === null) {
      // A notification, or not JSON-RPC at all: JSON-RPC forbids answering either with an id.
      this.logger.warn('rpc.ignored_frame', {
        reason: 'no id',
        method: typeof frame.method === 'string' ? frame.method : undefined,
      });
      return;
    }
    if (!isRpcId(frame.id)) {
      this.reply(
        channel,
        errorResponse(null, RpcErrorCode.invalidRequest, 'Invalid Request: id must be a string'),
      );
      return;
    }
    const id = frame.id;
    if (frame.jsonrpc !== '2.0' || typeof frame.method !== 'string' || frame.method === '') {
      this.reply(
        channel,
        errorResponse(
          id,
          RpcErrorCode.invalidRequest,
          'Invalid Request: jsonrpc must be "2.0" and method a string',
        ),
      );
      return;
    }
    const method = frame.method;

    // Freshness first: a replayed frame is refused even when its id is remembered.
    const verdict = this.replayGuard.check(frame.timestamp, frame.nonce);
    if (!verdict.ok) {
      this.logger.warn('rpc.replay_rejected', { id, method, reason: verdict.reason });
      this.reply(channel, errorResponse(id, RpcErrorCode.invalidRequest, verdict.reason));
      return;
    }

    const seen = this.ledger.begin(id);
    if (seen.state === 'running') {
      this.logger.warn('rpc.duplicate_running', { id, method });
      this.reply(
        channel,
        errorResponse(id, RpcErrorCode.invalidRequest, 'Duplicate request id: still running'),
      );
      return;
    }
    if (seen.state === 'done') {
      this.logger.info('rpc.duplicate_answered', { id, method });
      this.reply(channel, seen.response);
      return;
    }

    await this.slots.acquire();
    try {
      if (!channel.isOpen()) {
        // The backend already told its caller AGENT_DISCONNECTED; running the request now would
        // surprise a caller who may retry. Forgetting the id lets such a retry run once.
        this.ledger.forget(id);
        this.logger.warn('rpc.dropped', { id, method, reason: 'connection closed while queued' });
        return;
      }
      const started = this.nowMs();
      const { response, frameText } = await this.execute(id, method, frame.params);
      this.ledger.complete(id, response, frameText.length);
      const errorCode = 'error' in response ? response.error.code : undefined;
      this.logger.info('rpc.call', {
        id,
        method,
        duration_ms: this.nowMs() - started,
        ...(errorCode === undefined ? {} : { error_code: errorCode }),
      });
      this.send(channel, frameText, id);
    } finally {
      this.slots.release();
    }
  }

  private async execute(
    id: RpcId,
    method: string,
    rawParams: unknown,
  ): Promise<{ response: RpcResponse; frameText: string }> {
    let response: RpcResponse;
    try {
      const handler = this.methods.get(method);
      if (handler === undefined) {
        throw new RpcError(RpcErrorCode.methodNotFound, `Method not found: ${method}`);
      }
      // Omitted params mean {}; so does null, which some JSON-RPC clients send for "none".
      const params = rawParams ?? {};
      if (!isPlainObject(params)) {
        throw new RpcError(RpcErrorCode.invalidParams, 'Invalid params: params must be an object');
      }
      const result = await handler(params, { id, method });
      response = { jsonrpc: '2.0', id, result: result ?? null };
    } catch (err) {
      if (err instanceof RpcError) {
        response = errorResponse(id, err.code, err.message, err.data);
      } else {
        this.logger.error('rpc.internal_error', { id, method, error: errorMessage(err) });
        response = errorResponse(
          id,
          RpcErrorCode.internalError,
          `Internal error: ${errorMessage(err)}`,
        );
      }
    }
    let frameText: string;
    try {
      frameText = JSON.stringify(response);
    } catch (err) {
      response = errorResponse(
        id,
        RpcErrorCode.internalError,
        `Internal error: the result cannot be serialised (${errorMessage(err)})`,
      );
      frameText = JSON.stringify(response);
    }
    // The backend refuses frames over 1 MiB by closing the socket, which would fail every
    // other pending request too; an oversized answer becomes an error instead.
    const bytes = Buffer.byteLength(frameText);
    if (bytes > MAX_FRAME_BYTES) {
      response = errorResponse(
        id,
        RpcErrorCode.internalError,
        `Response too large (${bytes} bytes; frames are limited to ${MAX_FRAME_BYTES})`,
      );
      frameText = JSON.stringify(response);
    }
    return { response, frameText };
  }

  private reply(channel: Channel, response: RpcResponse): void {
    this.send(channel, JSON.stringify(response), response.id);
  }

  private send(channel: Channel, frameText: string, id: RpcId | null): void {
    if (!channel.isOpen()) {
      this.logger.warn('rpc.response_undeliverable', { id, reason: 'connection closed' });
      return;
    }
    try {
      channel.send(frameText);
    } catch (err) {
      this.logger.warn('rpc.response_undeliverable', { id, error: errorMessage(err) });
    }
  }
}
