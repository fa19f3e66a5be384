import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { AUTHENTICATOR, Authenticator } from '../../common/auth/authenticator';
import type { Principal } from '../../common/auth/principal';
import type { DomainEvents } from '../../common/events/domain-events';
import { HandshakeThrottle } from '../../common/ws/handshake-throttle';
import { isObject, parseFrame } from '../../common/ws/ws-frames';
import { inAudience, LiveEvent, matches, parsePatterns } from './live-event';

/** First frame within this long, else an error frame and close 4001. */
const AUTH_TIMEOUT_MS = 10_000;
/** Every open socket's credential is checked again this often (logout, expiry, deactivation). */
const RECHECK_MS = 30_000;
const MAX_PAYLOAD = 16 * 1024;
/** A client that does not read: its socket is closed rather than buffering without limit. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const CLOSE_AUTH = 4001;
/** Sockets of one address that have not authenticated yet; more are refused at once. */
const MAX_PENDING_PER_IP = 20;

interface Subscriber {
  socket: WebSocket;
  principal: Principal;
  token: string;
  patterns: string[] | null;
}

/**
 * `/ws/events` (DESIGN.md "Live events"): the first frame authenticates with a JWT or API token
 * (never the URL), through the same Authenticator as REST and MCP; then events the caller may see
 * are pushed, optionally narrowed by `subscribe`. A revoked session, a deleted user or a
 * credential that stopped working closes the socket (4001).
 */
@WebSocketGateway({ path: '/ws/events', maxPayload: MAX_PAYLOAD })
export class LiveEventsGateway
  implements OnGatewayConnection, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('live-events');
  private readonly subscribers = new Set<Subscriber>();
  private recheck?: NodeJS.Timeout;
  /** Refused credentials per address: 5 in a minute block it for 30 s, doubling on repeats. */
  private readonly throttle = new HandshakeThrottle();
  private readonly pending = new Map<string, number>();

  constructor(@Inject(AUTHENTICATOR) private readonly authenticator: Authenticator) {}

  onApplicationBootstrap(): void {
    this.recheck = setInterval(() => void this.recheckAll(), RECHECK_MS);
    this.recheck.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.recheck);
    for (const subscriber of this.subscribers) subscriber.socket.close(1001, 'shutting down');
    this.subscribers.clear();
  }

  get size(): number {
    return this.subscribers.size;
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const ip = request.socket.remoteAddress ?? 'unknown';
    if (this.throttle.blocked(ip)) {
      refuse(socket, 'Too many refused tokens from this address; try again later');
      return;
    }
    const waiting = this.pending.get(ip) ?? 0;
    if (waiting >= MAX_PENDING_PER_IP) {
      refuse(socket, 'Too many connections from this address waiting to authenticate');
      return;
    }
    this.pending.set(ip, waiting + 1);
    let counted = true;
    const settle = () => {
      if (!counted) return;
      counted = false;
      const left = (this.pending.get(ip) ?? 1) - 1;
      if (left > 0) this.pending.set(ip, left);
      else this.pending.delete(ip);
    };
    socket.once('close', settle);
    const deadline = setTimeout(() => refuse(socket, 'Authentication timeout'), AUTH_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(deadline));
    socket.once('message', (data: RawData) => {
      clearTimeout(deadline);
      // Frames sent right after "authenticate" (a subscribe) wait for the answer, not vanish.
      const early: RawData[] = [];
      const hold = (next: RawData) => early.push(next);
      socket.on('message', hold);
      const frame = parse(data);
      if (!frame || frame.type !== 'authenticate') {
        refuse(socket, 'The first frame must be {"type": "authenticate", "token": "…"}');
        return;
      }
      if (
        typeof frame.token !== 'string' ||
        frame.token.length === 0 ||
        frame.token.length > 4096
      ) {
        refuse(socket, 'Authentication token required');
        return;
      }
      const token = frame.token;
      this.authenticator.authenticate(token).then(
        (principal) => {
          settle();
          this.throttle.success(ip);
          socket.off('message', hold);
          this.accept(socket, principal, token, early);
        },
        () => {
          settle();
          this.throttle.failure(ip);
          refuse(socket, 'Invalid or expired token');
        },
      );
    });
  }

  /** Sends an event to every subscriber it is meant for. */
  publish(live: LiveEvent): void {
    const frame = JSON.stringify({
      type: 'event',
      event: live.event,
      data: live.data,
      timestamp: new Date().toISOString(),
    });
    for (const subscriber of this.subscribers) {
      if (!inAudience(live.audience, subscriber.principal)) continue;
      if (!matches(subscriber.patterns, live.event)) continue;
      if (subscriber.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        subscriber.socket.close(1008, 'not reading events');
        continue;
      }
      subscriber.socket.send(frame);
    }
  }

  @OnEvent('session.revoked')
  onSessionRevoked(event: DomainEvents['session.revoked']): void {
    this.closeWhere((s) => s.principal.sessionId === event.sessionId, 'Session revoked');
  }

  @OnEvent('api_token.revoked')
  onApiTokenRevoked(event: DomainEvents['api_token.revoked']): void {
    this.closeWhere((s) => s.principal.tokenId === event.tokenId, 'API token revoked');
  }

  @OnEvent('user.deleted')
  onUserDeleted(event: DomainEvents['user.deleted']): void {
    this.closeWhere((s) => s.principal.userId === event.userId, 'User deleted');
  }

  private accept(socket: WebSocket, principal: Principal, token: string, early: RawData[]): void {
    if (socket.readyState !== socket.OPEN) return;
    const subscriber: Subscriber = { socket, principal, token, patterns: null };
    this.subscribers.add(subscriber);
    socket.on('close', () => this.subscribers.delete(subscriber));
    socket.on('message', (data: RawData) => this.onFrame(subscriber, data));
    socket.send(JSON.stringify({ type: 'authenticated', user_id: principal.userId }));
    for (const data of early.slice(0, 16)) this.onFrame(subscriber, data);
  }

  private onFrame(subscriber: Subscriber, data: RawData): void {
    const frame = parse(data);
    if (frame?.type === 'subscribe') {
      const patterns = parsePatterns(frame.events);
      if (typeof patterns === 'string') {
        subscriber.socket.send(JSON.stringify({ type: 'error', error: patterns }));
        return;
      }
      subscriber.patterns = patterns;
      subscriber.socket.send(JSON.stringify({ type: 'subscribed', events: patterns }));
      return;
    }
    if (frame?.type === 'ping') {
      subscriber.socket.send(JSON.stringify({ type: 'pong' }));
      return;
    }
    subscriber.socket.send(
      JSON.stringify({
        type: 'error',
        error: 'Unknown message; send {"type": "subscribe", "events": ["installation.*"]}',
      }),
    );
  }

  private async recheckAll(): Promise<void> {
    for (const subscriber of [...this.subscribers]) {
      try {
        // Not a sign of activity: an open tab must not keep an idle session alive.
        subscriber.principal = await this.authenticator.authenticate(subscriber.token, {
          touch: false,
        });
      } catch {
        this.subscribers.delete(subscriber);
        refuse(subscriber.socket, 'Invalid or expired token');
      }
    }
  }

  private closeWhere(test: (subscriber: Subscriber) => boolean, reason: string): void {
    for (const subscriber of [...this.subscribers]) {
      if (!test(subscriber)) continue;
      this.subscribers.delete(subscriber);
      refuse(subscriber.socket, reason);
    }
    this.logger.debug(`closed live sockets: ${reason}`);
  }
}

function parse(data: RawData): Record<string, unknown> | null {
  const value = parseFrame(data);
  return isObject(value) ? value : null;
}

function refuse(socket: WebSocket, error: string): void {
  if (socket.readyState !== socket.OPEN) return;
  socket.send(JSON.stringify({ type: 'error', error }));
  socket.close(CLOSE_AUTH, error.slice(0, 100));
}
