import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import type { DomainEvents } from '../../common/events/domain-events';
import { EventBus } from '../../common/events/event-bus';
import { AgentRegistry } from '../agent-registry.service';
import { AGENT_CONFIG_FIELDS, AGENT_SETTINGS, AgentSettings, agentConfig } from '../agent-settings';
import { AgentConnection } from './agent-connection';
import { AgentConnections } from './agent-connections';
import { HandshakeThrottle } from '../../common/ws/handshake-throttle';
import { isObject, parseFrame } from '../../common/ws/ws-frames';

export const AGENT_MAX_PAYLOAD = 1024 * 1024;

/** Close codes of AGENT_PROTOCOL §1. */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  HANDSHAKE_FAILED: 4001,
  REVOKED: 4003,
  REPLACED: 4004,
} as const;

/** What ws reports for a socket that ended without a close frame (killed, network gone). */
const ABNORMAL_CLOSURE = 1006;

/** How a socket ended: closed with a code, or after the agent's `agent.shutdown` (§5). */
type Departure = { code: number } | { reason: string; restart: boolean };

type Handshake =
  | {
      ok: true;
      agentId: string;
      serverId: string;
      version: string;
      reply: Record<string, unknown>;
    }
  | { ok: false; error: string };

/**
 * `/ws/agent`: the handshake of AGENT_PROTOCOL §2 with its exact replies, then JSON-RPC. One
 * socket per agent (a newer one replaces the older with 4004); the database status follows the
 * socket; ping/pong liveness; graceful 1001 on shutdown.
 */
@WebSocketGateway({ path: '/ws/agent', maxPayload: AGENT_MAX_PAYLOAD })
export class AgentGateway
  implements OnGatewayConnection, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('agent-gateway');
  private readonly throttle = new HandshakeThrottle();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly registry: AgentRegistry,
    private readonly connections: AgentConnections,
    private readonly events: EventBus,
    @Inject(AGENT_SETTINGS) private readonly settings: AgentSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.registry.resetConnected();
    this.scheduleLiveness();
  }

  /** A changed agent.* setting reaches every connected agent at once (`config.update`, §4). */
  @OnEvent('setting.changed')
  onSettingChanged(event: DomainEvents['setting.changed']): void {
    const field = AGENT_CONFIG_FIELDS[event.key];
    if (!field) return;
    for (const connection of this.connections.all()) {
      connection
        .request(
          'config.update',
          { [field]: event.value },
          this.settings.requestTimeoutSeconds * 1000,
        )
        .catch((error: unknown) =>
          this.logger.warn({ err: error, agentId: connection.agentId }, 'config.update failed'),
        );
    }
  }

  /**
   * The database was replaced by a backup: agents, their tokens and their servers may all differ.
   * Every agent is asked to reconnect (1001, as at shutdown) and authenticates afresh against
   * the restored data; the connected flags of the restored rows start from zero.
   */
  @OnEvent('backup.restored')
  async onBackupRestored(): Promise<void> {
    for (const connection of this.connections.all()) {
      connection.close(1001, 'database restored; reconnect');
    }
    await this.registry.resetConnected();
  }

  /** The next liveness round, after the current agent.heartbeat_interval (read each time). */
  private scheduleLiveness(): void {
    this.heartbeat = setTimeout(() => {
      this.checkLiveness();
      this.scheduleLiveness();
    }, this.settings.heartbeatInterval * 1000);
    this.heartbeat.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    const open = this.connections.all();
    for (const connection of open) connection.close(CLOSE.GOING_AWAY, 'backend shutting down');
    await Promise.all(
      open.map((connection) => this.disconnected(connection, { code: CLOSE.GOING_AWAY })),
    );
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const ip = request.socket.remoteAddress ?? 'unknown';
    if (this.throttle.blocked(ip)) {
      this.refuse(socket, 'Too many connection attempts. Try again later.');
      return;
    }
    const deadline = setTimeout(() => {
      this.throttle.failure(ip);
      this.refuse(socket, 'Authentication timeout');
    }, this.settings.handshakeTimeoutSeconds * 1000);
    socket.once('close', () => clearTimeout(deadline));
    socket.once('message', (data: RawData) => {
      clearTimeout(deadline);
      void this.handshake(parseFrame(data), ip).then(
        (outcome) => this.afterHandshake(socket, ip, outcome),
        (error: unknown) => {
          this.logger.error({ err: error }, 'agent handshake failed');
          this.refuse(socket, 'Invalid message format');
        },
      );
    });
  }

  private async handshake(frame: unknown, ip: string): Promise<Handshake> {
    if (!isObject(frame) || typeof frame.type !== 'string') {
      return { ok: false, error: 'Invalid message format' };
    }
    const config = agentConfig(this.settings);
    const version =
      typeof frame.version === 'string' && frame.version.length > 0
        ? frame.version.slice(0, 64)
        : 'unknown';
    if (frame.type === 'register') {
      if (typeof frame.code !== 'string' || frame.code.length === 0) {
        return { ok: false, error: 'Registration code required' };
      }
      const redeemed = frame.code.length <= 128 ? await this.registry.redeem(frame.code, ip) : null;
      if (!redeemed) return { ok: false, error: 'Invalid or expired registration code' };
      return {
        ok: true,
        agentId: redeemed.agentId,
        serverId: redeemed.serverId,
        version,
        reply: { type: 'registered', agent_id: redeemed.agentId, token: redeemed.token, config },
      };
    }
    if (frame.type === 'authenticate') {
      if (typeof frame.token !== 'string' || frame.token.length === 0) {
        return { ok: false, error: 'Authentication token required' };
      }
      const agent =
        frame.token.length <= 256 ? await this.registry.authenticate(frame.token) : null;
      if (!agent) return { ok: false, error: 'Invalid authentication token' };
      return {
        ok: true,
        agentId: agent.agentId,
        serverId: agent.serverId,
        version,
        reply: { type: 'authenticated', agent_id: agent.agentId, config },
      };
    }
    return { ok: false, error: `Unknown message type: ${frame.type.slice(0, 64)}` };
  }

  private async afterHandshake(socket: WebSocket, ip: string, outcome: Handshake): Promise<void> {
    if (!outcome.ok) {
      this.throttle.failure(ip);
      this.refuse(socket, outcome.error);
      return;
    }
    this.throttle.success(ip);
    if (socket.readyState !== socket.OPEN) return;
    const connection = new AgentConnection(
      outcome.agentId,
      outcome.serverId,
      outcome.version,
      socket,
    );
    const previous = this.connections.add(connection);
    if (previous) previous.close(CLOSE.REPLACED, 'replaced by a newer connection');
    socket.on('message', (data: RawData, isBinary: boolean) =>
      this.onFrame(connection, data, isBinary),
    );
    socket.on('pong', () => (connection.lastFrameAt = Date.now()));
    socket.once('close', (code: number) => void this.disconnected(connection, { code }));
    socket.send(JSON.stringify(outcome.reply));
    await this.registry.markConnected(outcome.agentId, outcome.version, ip);
    this.events.emit('agent.status_changed', {
      agentId: outcome.agentId,
      serverId: outcome.serverId,
      status: 'connected',
    });
  }

  private onFrame(connection: AgentConnection, data: RawData, isBinary: boolean): void {
    connection.lastFrameAt = Date.now();
    void this.registry.heartbeat(connection.agentId).catch(() => undefined);
    const frame = isBinary ? undefined : parseFrame(data);
    if (!isObject(frame)) {
      this.logger.warn(
        { agentId: connection.agentId },
        'agent sent a frame that is not a JSON object',
      );
      return;
    }
    if ('id' in frame && ('result' in frame || 'error' in frame)) {
      connection.handleResponse(frame);
      return;
    }
    if (typeof frame.method === 'string') {
      const params = isObject(frame.params) ? frame.params : {};
      this.events.emit('agent.notification', {
        agentId: connection.agentId,
        serverId: connection.serverId,
        method: frame.method,
        params,
      });
      if (frame.method === 'agent.shutdown') this.shutDown(connection, params);
    }
  }

  /** `agent.shutdown`: a clean disconnect, whether or not the agent closes the socket itself. */
  private shutDown(connection: AgentConnection, params: Record<string, unknown>): void {
    const reason = typeof params.reason === 'string' ? params.reason.slice(0, 200) : 'unspecified';
    connection.close(CLOSE.NORMAL, 'agent shut down');
    void this.disconnected(connection, { reason, restart: params.restart === true });
  }

  private async disconnected(connection: AgentConnection, departure: Departure): Promise<void> {
    connection.markClosed();
    if (!this.connections.remove(connection)) return;
    const agent = { agentId: connection.agentId, serverId: connection.serverId };
    if ('reason' in departure) {
      this.logger.log({ ...agent, ...departure }, 'agent shut down deliberately');
    } else if (departure.code === ABNORMAL_CLOSURE) {
      this.logger.warn(agent, 'agent connection lost');
    } else {
      this.logger.log({ ...agent, code: departure.code }, 'agent disconnected');
    }
    await this.registry.markDisconnected(connection.agentId);
    this.events.emit('agent.status_changed', {
      agentId: connection.agentId,
      serverId: connection.serverId,
      status: 'disconnected',
    });
  }

  /** Pings every socket; one silent for heartbeat_timeout is terminated. */
  private checkLiveness(): void {
    const limit = Date.now() - this.settings.heartbeatTimeout * 1000;
    for (const connection of this.connections.all()) {
      if (connection.lastFrameAt < limit) {
        this.logger.warn(
          { agentId: connection.agentId },
          'agent missed its heartbeat; terminating',
        );
        connection.socket.terminate();
        void this.disconnected(connection, { code: ABNORMAL_CLOSURE });
      } else if (connection.socket.readyState === connection.socket.OPEN) {
        connection.socket.ping();
      }
    }
  }

  private refuse(socket: WebSocket, error: string): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify({ type: 'error', error }), () =>
      socket.close(CLOSE.HANDSHAKE_FAILED, error.slice(0, 100)),
    );
  }
}
