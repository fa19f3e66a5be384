import WebSocket from 'ws';
import type { AgentConfig } from './agent-config';
import { errorMessage, type Logger } from './logger';
import { isPlainObject, MAX_FRAME_BYTES } from './protocol';
import type { Channel } from './rpc-server';
import type { TlsTrust } from './tls-trust';

export type HandshakeRequest =
  | { type: 'register'; code: string; version: string }
  | { type: 'authenticate'; token: string; version: string };

export type HandshakeReply =
  | { type: 'registered'; agent_id: string; token: string; config: Partial<AgentConfig> }
  | { type: 'authenticated'; agent_id: string; config: Partial<AgentConfig> };

export interface SessionEnd {
  /** WebSocket close code; 1006 when the socket never opened or died without a close frame. */
  code: number;
  reason: string;
  handshakeDone: boolean;
  /** The backend's `error` frame during the handshake, if any. */
  handshakeError?: string;
  /** Something that reconnecting cannot fix (the registered token could not be saved). */
  fatal?: Error;
}

export interface ConnectionHooks {
  /** Runs before any request is served; its failure ends the agent. */
  onHandshake(reply: HandshakeReply): Promise<void>;
  onReady(channel: Channel): void;
  onFrame(text: string, channel: Channel): void;
}

export interface ConnectionOptions {
  url: string;
  tls: TlsTrust;
  handshake: HandshakeRequest;
  handshakeTimeoutMs: number;
  /** Read at every check so `config.update` applies live. */
  heartbeatTimeoutMs: () => number;
  hooks: ConnectionHooks;
  logger: Logger;
}

/** Parses the handshake reply; null when it is none of the expected shapes. */
export function parseHandshakeReply(
  frame: unknown,
): HandshakeReply | { type: 'error'; error: string } | null {
  if (!isPlainObject(frame)) return null;
  const config = isPlainObject(frame.config) ? (frame.config as Partial<AgentConfig>) : {};
  if (frame.type === 'error') {
    return {
      type: 'error',
      error: typeof frame.error === 'string' ? frame.error : 'unknown error',
    };
  }
  if (typeof frame.agent_id !== 'string' || frame.agent_id === '') return null;
  if (frame.type === 'registered') {
    if (typeof frame.token !== 'string' || frame.token === '') return null;
    return { type: 'registered', agent_id: frame.agent_id, token: frame.token, config };
  }
  if (frame.type === 'authenticated') {
    return { type: 'authenticated', agent_id: frame.agent_id, config };
  }
  return null;
}

/** One dial of the backend: open, handshake, serve frames until the socket closes. */
export class AgentConnection implements Channel {
  private ws: WebSocket | undefined;
  private ready = false;
  private handshakeDone = false;
  private handshakeError: string | undefined;
  private fatal: Error | undefined;
  private lastSeen = Date.now();
  private handshakeTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Frames that arrive while the handshake reply is still being saved, in order. */
  private early: string[] | undefined;

  constructor(private readonly options: ConnectionOptions) {}

  run(): Promise<SessionEnd> {
    const { url, tls, handshakeTimeoutMs, logger } = this.options;
    return new Promise((resolve) => {
      const ws = new WebSocket(url, {
        maxPayload: MAX_FRAME_BYTES,
        handshakeTimeout: handshakeTimeoutMs,
        followRedirects: false,
        ...tls,
      });
      this.ws = ws;
      this.handshakeTimer = setTimeout(() => {
        logger.warn('handshake.timeout', { timeout_ms: handshakeTimeoutMs });
        ws.terminate();
      }, handshakeTimeoutMs);

      ws.on('open', () => {
        logger.info('connection.open', { handshake: this.options.handshake.type });
        ws.send(JSON.stringify(this.options.handshake));
      });
      ws.on('ping', () => {
        this.lastSeen = Date.now();
      });
      ws.on('message', (data: WebSocket.RawData) => {
        this.lastSeen = Date.now();
        const text = Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data as ArrayBuffer).toString('utf8');
        if (this.ready) this.options.hooks.onFrame(text, this);
        else if (this.early !== undefined) this.early.push(text);
        else this.onHandshakeFrame(text);
      });
      ws.on('error', (err) => {
        logger.warn('connection.error', { error: errorMessage(err) });
      });
      ws.on('close', (code, reason) => {
        clearTimeout(this.handshakeTimer);
        clearInterval(this.watchdog);
        this.ready = false;
        resolve({
          code,
          reason: reason.toString('utf8'),
          handshakeDone: this.handshakeDone,
          ...(this.handshakeError === undefined ? {} : { handshakeError: this.handshakeError }),
          ...(this.fatal === undefined ? {} : { fatal: this.fatal }),
        });
      });
    });
  }

  isOpen(): boolean {
    return this.ready && this.ws?.readyState === WebSocket.OPEN;
  }

  send(frame: string): void {
    this.ws?.send(frame);
  }

  /** Closes with a close frame, or cuts the socket if the backend does not answer in time. */
  close(code: number, reason: string, graceMs = 3_000): void {
    const ws = this.ws;
    if (ws === undefined) return;
    this.ready = false;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.CLOSED) {
      ws.terminate();
      return;
    }
    ws.close(code, reason);
    setTimeout(() => ws.terminate(), graceMs).unref();
  }

  private onHandshakeFrame(text: string): void {
    const { logger, hooks } = this.options;
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      frame = undefined;
    }
    const reply = parseHandshakeReply(frame);
    if (reply === null) {
      logger.error('handshake.unexpected_reply', { bytes: text.length });
      this.close(1002, 'unexpected handshake reply');
      return;
    }
    if (reply.type === 'error') {
      // The backend closes with 4001 right after; the message tells the operator why.
      this.handshakeError = reply.error;
      logger.error('handshake.refused', { error: reply.error });
      return;
    }
    clearTimeout(this.handshakeTimer);
    this.early = [];
    hooks.onHandshake(reply).then(
      () => {
        this.handshakeDone = true;
        // The socket may have dropped while the state was being saved: nothing to serve then.
        if (this.ws?.readyState !== WebSocket.OPEN) return;
        this.ready = true;
        this.lastSeen = Date.now();
        this.startWatchdog();
        hooks.onReady(this);
        const queued = this.early ?? [];
        this.early = undefined;
        for (const queuedFrame of queued) hooks.onFrame(queuedFrame, this);
      },
      (err: unknown) => {
        this.fatal = new Error(errorMessage(err), { cause: err });
        this.early = undefined;
        this.close(1011, 'agent failed to store its state');
      },
    );
  }

  /**
   * The backend pings every heartbeat_interval; if neither a ping nor a frame arrives within
   * heartbeat_timeout the path is dead (NAT dropped it, say) and only a new dial helps.
   */
  private startWatchdog(): void {
    const check = (): void => {
      const limit = this.options.heartbeatTimeoutMs();
      if (Date.now() - this.lastSeen > limit) {
        this.options.logger.warn('connection.heartbeat_timeout', { timeout_ms: limit });
        this.ws?.terminate();
      }
    };
    this.watchdog = setInterval(check, 1_000);
  }
}
