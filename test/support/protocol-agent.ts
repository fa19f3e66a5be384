import WebSocket from 'ws';

export interface Frame {
  [key: string]: any;
}

/**
 * A minimal agent speaking AGENT_PROTOCOL.md at the wire level, as an agent written in another
 * language would: it lets tests drive the gateway frame by frame (handshakes, malformed frames,
 * slow answers) where the real daemon would always behave.
 */
export class ProtocolAgent {
  readonly frames: Frame[] = [];
  closed?: { code: number; reason: string };
  private waiters: (() => void)[] = [];
  /** Answers JSON-RPC requests by method; unset methods get no answer. */
  handlers: Record<string, (params: any, frame: Frame) => unknown> = {};

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString('utf8')) as Frame;
      } catch {
        return;
      }
      this.frames.push(frame);
      if (frame.jsonrpc === '2.0' && typeof frame.method === 'string') {
        const handler = this.handlers[frame.method];
        if (handler)
          this.send({ jsonrpc: '2.0', id: frame.id, result: handler(frame.params, frame) });
      }
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** `localAddress` (127.0.0.x) lets a test appear as its own client IP to the gateway. */
  static connect(
    url: string,
    localAddress?: string,
    options: { autoPong?: boolean } = {},
  ): Promise<ProtocolAgent> {
    const socket = new WebSocket(url, { ...(localAddress ? { localAddress } : {}), ...options });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new ProtocolAgent(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits until a frame matches (or the socket closes, for `closedWith`). */
  async next(match: (frame: Frame) => boolean, ms = 5000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.closed || Date.now() > deadline) {
        throw new Error(
          `no matching frame (closed: ${JSON.stringify(this.closed)}); got ${JSON.stringify(this.frames)}`,
        );
      }
      await this.wait(deadline - Date.now());
    }
  }

  async closedWith(ms = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await this.wait(deadline - Date.now());
    if (!this.closed) throw new Error('socket still open');
    return this.closed;
  }

  async register(code: string, version = '9.9.9-test'): Promise<Frame> {
    this.send({ type: 'register', code, version });
    return this.next((frame) => frame.type === 'registered' || frame.type === 'error');
  }

  async authenticate(token: string, version = '9.9.9-test'): Promise<Frame> {
    this.send({ type: 'authenticate', token, version });
    return this.next((frame) => frame.type === 'authenticated' || frame.type === 'error');
  }

  close(): void {
    this.socket.close(1000);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(ms, 1));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
