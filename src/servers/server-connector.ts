import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../common/auth/principal';
import { notFound } from '../common/errors/domain-error';
import type { DomainEvents } from '../common/events/domain-events';
import { EventBus } from '../common/events/event-bus';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import { ServerCredentials } from './credentials/server-credentials';
import { ServerEntity, ServerStatus } from './server.entity';
import { ExecResult, SshConnection } from './ssh/ssh-connection';
import { SshFailure } from './ssh/ssh-failure';
import { SshPool } from './ssh/ssh-pool';
import { HostKeyVerifier, SshTarget } from './ssh/ssh-target';

/** last_seen_at is refreshed at most this often by commands, to spare the database. */
const SEEN_REFRESH_MS = 30_000;

interface VerifyOutcome {
  trusted: boolean;
  announce?: DomainEvents['server.host_key_changed'];
  previousStatus?: string;
}

export interface RunOptions {
  timeoutMs: number;
  outputLimitBytes?: number;
  /** Bytes for the command's stdin. */
  input?: Buffer;
  /** The row, when the caller has just read it. */
  server?: ServerEntity;
}

/**
 * Connects to inventory servers: builds SSH targets from rows (credentials unsealed here),
 * enforces the pinned host key before any credential is sent, and keeps `status`,
 * `status_error` and `last_seen_at` in step with what each connection attempt found.
 */
@Injectable()
export class ServerConnector {
  constructor(
    @InjectRepository(ServerEntity) private readonly servers: Repository<ServerEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: EventBus,
    private readonly credentials: ServerCredentials,
    private readonly pool: SshPool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async load(serverId: string): Promise<ServerEntity> {
    const server = await this.servers.findOneBy({ id: serverId });
    if (!server) throw notFound('Server', serverId);
    return server;
  }

  /** Runs a command over the server's pooled SSH connection. SSH failures become DomainErrors. */
  async run(serverId: string, command: string, options: RunOptions): Promise<ExecResult> {
    const server = options.server?.id === serverId ? options.server : await this.load(serverId);
    try {
      const result = await this.pool.exec(this.targetOf(server), command, {
        timeoutMs: options.timeoutMs,
        outputLimitBytes: options.outputLimitBytes ?? this.config.sshOutputLimitBytes,
        input: options.input,
      });
      await this.markReachable(server);
      return result;
    } catch (error) {
      if (error instanceof SshFailure) {
        await this.recordFailure(server, error);
        throw error.toDomainError();
      }
      throw error;
    }
  }

  /**
   * A fresh connection outside the pool, for connection tests. `acceptFingerprint` trusts that
   * one key (an admin accepting a changed key) instead of the pinned one.
   */
  async probe(server: ServerEntity, acceptFingerprint?: string): Promise<SshConnection> {
    const verifier = acceptFingerprint
      ? this.acceptingVerifier(server.id, acceptFingerprint)
      : this.pinnedVerifier(server.id);
    try {
      return await this.pool.probe(this.targetOf(server, verifier));
    } catch (error) {
      if (error instanceof SshFailure) await this.recordFailure(server, error);
      throw error;
    }
  }

  /** The connection succeeded: status online, last_seen_at now (throttled). */
  async markReachable(server: ServerEntity): Promise<void> {
    const fresh =
      server.status === 'online' &&
      server.lastSeenAt !== null &&
      Date.now() - Date.parse(server.lastSeenAt) < SEEN_REFRESH_MS;
    if (!fresh) await this.recordFacts(server.id, {});
  }

  /** What a successful connection learned (OS, Docker…): stored with status online, now. */
  async recordFacts(serverId: string, facts: Partial<ServerEntity>): Promise<void> {
    await this.setStatus(serverId, 'online', null, { ...facts, lastSeenAt: nowIso() });
  }

  async recordFailure(server: ServerEntity, failure: SshFailure): Promise<void> {
    // A host-key mismatch was recorded by the verifier, with the fingerprint it saw.
    if (failure.kind === 'host_key_mismatch') return;
    await this.setStatus(server.id, failure.serverStatus, failure.message);
  }

  /** Drops the pooled connection (address, credential or key changed, or server removed). */
  forget(serverId: string): void {
    this.pool.invalidate(serverId);
  }

  private targetOf(server: ServerEntity, verifier?: HostKeyVerifier): SshTarget {
    const credentials = this.credentials;
    return {
      serverId: server.id,
      hostname: server.hostname,
      port: server.port,
      username: server.username,
      // Unsealed only when a connection is opened, not for every command on a pooled one.
      get auth() {
        return credentials.authOf(server);
      },
      verifyHostKey: verifier ?? this.pinnedVerifier(server.id),
    };
  }

  /**
   * Trust on first use: the first key seen is pinned; later a different key is refused (and
   * recorded, audited and announced once per new key) before authentication starts.
   */
  private pinnedVerifier(serverId: string): HostKeyVerifier {
    return async (offered) => {
      const outcome = await this.transactions.run(async (manager): Promise<VerifyOutcome> => {
        const repository = manager.getRepository(ServerEntity);
        const server = await repository.findOneBy({ id: serverId });
        if (!server) return { trusted: false };
        if (server.hostKeyFingerprint === offered) return { trusted: true };
        if (!server.hostKeyFingerprint) {
          await repository.update(
            { id: serverId },
            { hostKeyFingerprint: offered, offeredHostKeyFingerprint: null, updatedAt: nowIso() },
          );
          await this.audit.record(
            SYSTEM_ACTOR,
            {
              action: 'server.host_key_pinned',
              targetType: 'server',
              targetId: serverId,
              details: { fingerprint: offered, hostname: server.hostname },
            },
            manager,
          );
          return { trusted: true };
        }
        if (server.status === 'host_key_changed' && server.offeredHostKeyFingerprint === offered) {
          return { trusted: false };
        }
        await repository.update(
          { id: serverId },
          {
            status: 'host_key_changed',
            offeredHostKeyFingerprint: offered,
            statusError: `The server offered host key ${offered}, not the pinned ${server.hostKeyFingerprint}; no credential was sent.`,
            updatedAt: nowIso(),
          },
        );
        await this.audit.record(
          SYSTEM_ACTOR,
          {
            action: 'server.host_key_changed',
            targetType: 'server',
            targetId: serverId,
            result: 'failure',
            details: {
              hostname: server.hostname,
              pinned_fingerprint: server.hostKeyFingerprint,
              offered_fingerprint: offered,
            },
          },
          manager,
        );
        return {
          trusted: false,
          announce: {
            serverId,
            name: server.name,
            hostname: server.hostname,
            pinnedFingerprint: server.hostKeyFingerprint,
            offeredFingerprint: offered,
          },
          previousStatus: server.status,
        };
      });
      if (outcome.announce) {
        // A connection pooled before the key changed must not be trusted either.
        this.pool.invalidate(serverId);
        this.events.emit('server.host_key_changed', outcome.announce);
        this.events.emit('server.status_changed', {
          serverId,
          status: 'host_key_changed',
          previousStatus: outcome.previousStatus ?? 'unknown',
        });
      }
      return outcome.trusted;
    };
  }

  /** Trusts exactly the key an admin accepted, pinning it as the handshake sees it. */
  private acceptingVerifier(serverId: string, accepted: string): HostKeyVerifier {
    const pinned = this.pinnedVerifier(serverId);
    return async (offered) => {
      if (offered !== accepted) return pinned(offered);
      await this.transactions.run((manager) =>
        manager
          .getRepository(ServerEntity)
          .update(
            { id: serverId },
            { hostKeyFingerprint: offered, offeredHostKeyFingerprint: null, updatedAt: nowIso() },
          ),
      );
      return true;
    };
  }

  private async setStatus(
    serverId: string,
    status: ServerStatus,
    error: string | null,
    extra: Partial<ServerEntity> = {},
  ): Promise<void> {
    const previous = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(ServerEntity);
      const current = await repository.findOne({
        where: { id: serverId },
        select: { id: true, status: true, name: true },
      });
      if (!current) return null;
      await repository.update(
        { id: serverId },
        { status, statusError: error, updatedAt: nowIso(), ...extra },
      );
      if (current.status !== status) {
        await this.audit.record(
          SYSTEM_ACTOR,
          {
            action: 'server.status_changed',
            targetType: 'server',
            targetId: serverId,
            result: status === 'online' ? 'success' : 'failure',
            details: { from: current.status, to: status, reason: error },
          },
          manager,
        );
      }
      return current.status;
    });
    if (previous !== null && previous !== status) {
      this.events.emit('server.status_changed', { serverId, status, previousStatus: previous });
    }
  }
}
