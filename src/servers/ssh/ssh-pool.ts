import { OnEvent } from '@nestjs/event-emitter';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ExecOptions, ExecResult, SshConnection } from './ssh-connection';
import { SshFailure } from './ssh-failure';
import { SshTarget } from './ssh-target';

const KEEPALIVE_INTERVAL_MS = 15_000;

/** What the pool holds now, for the Prometheus gauges of /metrics. */
export interface SshPoolStats {
  /** Open connections (one per server at most). */
  connections: number;
  /** Commands holding a channel. */
  inUse: number;
  /** Commands waiting for a free channel. */
  waiting: number;
}

/**
 * One multiplexed SSH connection per server, shared by every command to it: at most
 * MAX_CONCURRENT_CONNECTIONS channels at once (the rest queue), keepalives, idle connections
 * closed after SSH_IDLE_TIMEOUT_SECONDS, and a dead connection replaced on the next command.
 */
@Injectable()
export class SshPool implements OnModuleDestroy {
  private readonly connections = new Map<string, Promise<SshConnection>>();
  /** The connection each pending entry resolved to, so stats() need not await. */
  private readonly opened = new WeakMap<Promise<SshConnection>, SshConnection>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const idleMs = config.sshIdleTimeoutSeconds * 1000;
    this.sweeper = setInterval(() => this.closeIdle(idleMs), Math.min(idleMs, 30_000));
    this.sweeper.unref();
  }

  /**
   * Runs a command over the server's pooled connection. When the pooled connection turns out
   * to be dead before the command started (the server restarted since the last command), it
   * reconnects once and runs the command on the new connection instead of failing it.
   */
  async exec(target: SshTarget, command: string, options: ExecOptions): Promise<ExecResult> {
    const connection = await this.connection(target);
    try {
      return await connection.exec(command, options);
    } catch (error) {
      if (!(error instanceof SshFailure) || error.kind !== 'channel_refused' || connection.alive) {
        throw error;
      }
      this.forget(target.serverId, connection);
      return (await this.connection(target)).exec(command, options);
    }
  }

  /** The live pooled connection, opening one (once, for all concurrent callers) if needed. */
  async connection(target: SshTarget): Promise<SshConnection> {
    const pending = this.connections.get(target.serverId);
    if (pending) {
      const existing = await pending.catch(() => null);
      if (existing?.alive) return existing;
      if (this.connections.get(target.serverId) === pending) {
        this.connections.delete(target.serverId);
      }
      return this.connection(target);
    }
    const opening = SshConnection.open(target, {
      readyTimeoutMs: this.config.sshTimeoutSeconds * 1000,
      keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
      maxChannels: this.config.maxConcurrentConnections,
    });
    this.connections.set(target.serverId, opening);
    try {
      const connection = await opening;
      this.opened.set(opening, connection);
      return connection;
    } catch (error) {
      if (this.connections.get(target.serverId) === opening) {
        this.connections.delete(target.serverId);
      }
      throw error;
    }
  }

  /** Opens a fresh connection outside the pool (connection tests, host-key acceptance). */
  async probe(target: SshTarget): Promise<SshConnection> {
    return SshConnection.open(target, {
      readyTimeoutMs: this.config.sshTimeoutSeconds * 1000,
      keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
      maxChannels: this.config.maxConcurrentConnections,
    });
  }

  /** Closes the server's connection: its address, credential or host key changed. */
  invalidate(serverId: string): void {
    const pending = this.connections.get(serverId);
    if (!pending) return;
    this.connections.delete(serverId);
    pending.then(
      (connection) => connection.close(),
      () => undefined,
    );
  }

  stats(): SshPoolStats {
    const stats: SshPoolStats = { connections: 0, inUse: 0, waiting: 0 };
    for (const pending of this.connections.values()) {
      const connection = this.opened.get(pending);
      if (!connection?.alive) continue;
      stats.connections += 1;
      stats.inUse += connection.channelsInUse;
      stats.waiting += Math.max(0, connection.busy - connection.channelsInUse);
    }
    return stats;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.invalidateAll();
  }

  /** After a backup is restored, addresses, credentials and host keys may all differ. */
  @OnEvent('backup.restored')
  invalidateAll(): void {
    for (const serverId of [...this.connections.keys()]) this.invalidate(serverId);
  }

  private forget(serverId: string, connection: SshConnection): void {
    const pending = this.connections.get(serverId);
    if (!pending) return;
    void pending.then(
      (current) => {
        if (current === connection && this.connections.get(serverId) === pending) {
          this.connections.delete(serverId);
        }
      },
      () => undefined,
    );
    connection.close();
  }

  private closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const [serverId, pending] of this.connections) {
      void pending.then(
        (connection) => {
          const idle = connection.busy === 0 && now - connection.lastUsedAt >= idleMs;
          if ((idle || !connection.alive) && this.connections.get(serverId) === pending) {
            this.connections.delete(serverId);
            connection.close();
          }
        },
        () => undefined,
      );
    }
  }
}
