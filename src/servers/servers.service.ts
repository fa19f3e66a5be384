import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import type { Page } from '../common/dto/pagination.dto';
import { DomainError } from '../common/errors/domain-error';
import { EventBus } from '../common/events/event-bus';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { ServerCredentials } from './credentials/server-credentials';
import { AddServerDto, ListServersDto, ServerIdDto, UpdateServerDto } from './dto/server.dto';
import { HOST_FACTS_COMMAND, parseHostFacts } from './host-facts';
import { ServerConnector } from './server-connector';
import { ServerEntity, ServerStatus } from './server.entity';
import { SshFailure } from './ssh/ssh-failure';
import { AGENT_STATUS_SOURCE, AgentStatusSource } from './agent-status-source';
import { ConnectionTestView, ServerView, toServerView } from './servers.views';

/** The connection test's own command gets this long. */
const FACTS_TIMEOUT_MS = 15_000;

/** The server inventory; the only writer of the `servers` table besides its connector. */
@Injectable()
export class ServersService {
  constructor(
    @InjectRepository(ServerEntity) private readonly servers: Repository<ServerEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: EventBus,
    private readonly credentials: ServerCredentials,
    private readonly connector: ServerConnector,
    @Optional() @Inject(AGENT_STATUS_SOURCE) private readonly agents?: AgentStatusSource,
  ) {}

  private async views(rows: ServerEntity[]): Promise<ServerView[]> {
    const statuses = this.agents
      ? await this.agents.statuses(rows.map((row) => row.id))
      : new Map<string, string>();
    return rows.map((row) => toServerView(row, statuses.get(row.id) ?? null));
  }

  /** Stores the server (even when it cannot be reached yet), then tests it and pins its key. */
  async add(actor: Actor, dto: AddServerDto): Promise<ServerView> {
    const authType = dto.auth_type ?? 'password';
    this.credentials.assertUsable(authType, dto.credential, dto.passphrase);
    const id = randomUUID();
    const now = nowIso();
    const server: ServerEntity = {
      id,
      name: dto.name ?? dto.hostname,
      hostname: dto.hostname,
      port: dto.port ?? 22,
      username: dto.username ?? 'root',
      authType,
      credential: this.credentials.sealCredential(id, dto.credential),
      passphrase: this.credentials.sealPassphrase(id, dto.passphrase),
      status: 'unreachable',
      statusError: 'Not tested yet.',
      hostKeyFingerprint: null,
      offeredHostKeyFingerprint: null,
      dockerInstalled: false,
      dockerVersion: null,
      os: null,
      arch: null,
      lastSeenAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.transactions.run(async (manager) => {
      await this.assertEndpointFree(manager, server);
      await manager.getRepository(ServerEntity).insert(server);
      await this.audit.record(
        actor,
        {
          action: 'server.added',
          targetType: 'server',
          targetId: id,
          details: {
            name: server.name,
            hostname: server.hostname,
            port: server.port,
            username: server.username,
            auth_type: authType,
          },
        },
        manager,
      );
    });
    await this.testConnection(actor, { server_id: id });
    return this.get({ server_id: id });
  }

  async list(dto: ListServersDto): Promise<Page<ServerView>> {
    const [rows, total] = await this.servers.findAndCount({
      where: dto.status ? { status: dto.status } : {},
      order: { name: 'ASC', id: 'ASC' },
      take: dto.limit ?? 50,
      skip: dto.offset ?? 0,
    });
    return { items: await this.views(rows), total };
  }

  async get(dto: ServerIdDto): Promise<ServerView> {
    const [view] = await this.views([await this.connector.load(dto.server_id)]);
    return view!;
  }

  /**
   * Changes what was given. A new address drops the pinned host key (another machine answers
   * there); a new address, login or credential closes the pooled connection and re-tests.
   */
  async update(actor: Actor, dto: UpdateServerDto): Promise<ServerView> {
    const { reconnect } = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(ServerEntity);
      const server = await repository.findOneBy({ id: dto.server_id });
      if (!server) throw new DomainError('NOT_FOUND', `Server ${dto.server_id} was not found.`);
      const changed: string[] = [];
      const set = <K extends keyof ServerEntity>(key: K, field: string, value: ServerEntity[K]) => {
        if (value === undefined || server[key] === value) return;
        server[key] = value;
        changed.push(field);
      };
      const endpointBefore = `${server.hostname}:${server.port}`;
      set('name', 'name', dto.name as string);
      set('hostname', 'hostname', dto.hostname as string);
      set('port', 'port', dto.port as number);
      set('username', 'username', dto.username as string);
      this.applyCredentialChange(server, dto, changed);
      if (changed.length === 0) return { changed, reconnect: false };
      if (`${server.hostname}:${server.port}` !== endpointBefore) {
        server.hostKeyFingerprint = null;
        server.offeredHostKeyFingerprint = null;
      }
      await this.assertEndpointFree(manager, server);
      server.updatedAt = nowIso();
      await repository.save(server);
      await this.audit.record(
        actor,
        {
          action: 'server.updated',
          targetType: 'server',
          targetId: server.id,
          details: { changed },
        },
        manager,
      );
      return { changed, reconnect: changed.some((field) => field !== 'name') };
    });
    if (reconnect) {
      this.connector.forget(dto.server_id);
      await this.testConnection(actor, { server_id: dto.server_id });
    }
    return this.get(dto);
  }

  async remove(actor: Actor, dto: ServerIdDto): Promise<{ success: boolean }> {
    const removed = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(ServerEntity);
      const server = await repository.findOneBy({ id: dto.server_id });
      if (!server) throw new DomainError('NOT_FOUND', `Server ${dto.server_id} was not found.`);
      await repository.delete({ id: server.id });
      await this.audit.record(
        actor,
        {
          action: 'server.removed',
          targetType: 'server',
          targetId: server.id,
          details: { name: server.name, hostname: server.hostname },
        },
        manager,
      );
      return server;
    });
    this.connector.forget(removed.id);
    this.events.emit('server.removed', { serverId: removed.id, name: removed.name });
    return { success: true };
  }

  /**
   * Connects afresh (not through the pool), checks the host key, logs in and reads the facts.
   * The outcome is stored on the server and returned; a failure is a result, not an error.
   */
  async testConnection(actor: Actor, dto: ServerIdDto): Promise<ConnectionTestView> {
    const server = await this.connector.load(dto.server_id);
    const result = await this.connectAndDescribe(server);
    await this.audit.record(actor, {
      action: 'server.connection_tested',
      targetType: 'server',
      targetId: server.id,
      result: result.success ? 'success' : 'failure',
      details: { status: result.status, error: result.error, latency_ms: result.latency_ms },
    });
    return result;
  }

  /**
   * Trusts the host key the server offered when it stopped matching the pinned one, exactly
   * that key: if the server now offers yet another, nothing is pinned and the new key is shown.
   */
  async acceptHostKey(actor: Actor, dto: ServerIdDto): Promise<ServerView> {
    const server = await this.connector.load(dto.server_id);
    const accepted = server.offeredHostKeyFingerprint;
    if (server.status !== 'host_key_changed' || !accepted) {
      throw new DomainError(
        'CONFLICT',
        server.hostKeyFingerprint
          ? `The server's host key still matches the pinned ${server.hostKeyFingerprint}; there is nothing to accept.`
          : 'No host key is pinned yet; test_connection pins the first key the server offers.',
      );
    }
    this.connector.forget(server.id);
    const result = await this.connectAndDescribe(server, accepted);
    const pinned = await this.connector.load(server.id);
    const took = pinned.hostKeyFingerprint === accepted;
    await this.audit.record(actor, {
      action: 'server.host_key_accepted',
      targetType: 'server',
      targetId: server.id,
      result: took ? 'success' : 'failure',
      details: {
        previous_fingerprint: server.hostKeyFingerprint,
        accepted_fingerprint: accepted,
        pinned: took,
        connection: result.success ? 'ok' : result.error,
      },
    });
    if (!took) {
      throw new DomainError(
        'HOST_KEY_MISMATCH',
        `The server now offers host key ${pinned.offeredHostKeyFingerprint ?? 'unknown'}, not the ${accepted} shown before; nothing was pinned. Check the server, then accept again.`,
        { offered_fingerprint: pinned.offeredHostKeyFingerprint },
      );
    }
    const [view] = await this.views([pinned]);
    return view!;
  }

  /** Servers for the periodic status check. */
  /** How many servers are in each status (statuses without servers are absent). */
  async countByStatus(): Promise<Partial<Record<ServerStatus, number>>> {
    const rows = await this.servers
      .createQueryBuilder('server')
      .select('server.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('server.status')
      .getRawMany<{ status: ServerStatus; count: number | string }>();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async allIds(): Promise<string[]> {
    const rows = await this.servers.find({ select: { id: true }, order: { id: 'ASC' } });
    return rows.map((row) => row.id);
  }

  /**
   * The periodic check: the same probe as test_connection, unaudited (status changes it finds
   * are audited by the connector). A server removed meanwhile is skipped.
   */
  async refreshStatus(serverId: string): Promise<void> {
    const server = await this.servers.findOneBy({ id: serverId });
    if (server) await this.connectAndDescribe(server);
  }

  private async connectAndDescribe(
    server: ServerEntity,
    acceptFingerprint?: string,
  ): Promise<ConnectionTestView> {
    const started = process.hrtime.bigint();
    try {
      const connection = await this.connector.probe(server, acceptFingerprint);
      const latencyMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      try {
        const run = await connection.exec(HOST_FACTS_COMMAND, {
          timeoutMs: FACTS_TIMEOUT_MS,
          outputLimitBytes: 64 * 1024,
        });
        const facts = parseHostFacts(run.output);
        await this.connector.recordFacts(server.id, {
          os: facts.os,
          arch: facts.arch,
          dockerInstalled: facts.dockerInstalled,
          dockerVersion: facts.dockerVersion,
        });
        return {
          success: true,
          latency_ms: latencyMs,
          host_key_fingerprint: connection.hostKeyFingerprint,
          os: facts.os,
          arch: facts.arch,
          docker_installed: facts.dockerInstalled,
          docker_version: facts.dockerVersion,
          error: null,
          status: 'online',
        };
      } finally {
        connection.close();
      }
    } catch (error) {
      if (!(error instanceof SshFailure)) throw error;
      const current = await this.connector.load(server.id);
      return {
        success: false,
        latency_ms: null,
        host_key_fingerprint: current.hostKeyFingerprint,
        os: current.os,
        arch: current.arch,
        docker_installed: current.dockerInstalled,
        docker_version: current.dockerVersion,
        error: error.message,
        status: current.status,
      };
    }
  }

  /** Applies auth_type / credential / passphrase changes, checking the result is usable. */
  private applyCredentialChange(server: ServerEntity, dto: UpdateServerDto, changed: string[]) {
    const authType = dto.auth_type ?? server.authType;
    if (authType !== server.authType && dto.credential === undefined) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `credential: changing auth_type to "${authType}" needs the new ${authType === 'key' ? 'private key' : 'password'}.`,
      );
    }
    if (dto.credential === undefined && dto.passphrase === undefined) return;
    const current = this.credentials.authOf(server);
    const credential =
      dto.credential ?? (current.type === 'password' ? current.password : current.privateKey);
    const passphrase =
      dto.passphrase ??
      (dto.credential === undefined && current.type === 'key' ? current.passphrase : undefined);
    this.credentials.assertUsable(authType, credential, passphrase);
    if (authType !== server.authType) {
      server.authType = authType;
      changed.push('auth_type');
    }
    if (dto.credential !== undefined) {
      server.credential = this.credentials.sealCredential(server.id, credential);
      changed.push('credential');
    }
    server.passphrase = this.credentials.sealPassphrase(server.id, passphrase);
    if (dto.passphrase !== undefined) changed.push('passphrase');
  }

  private async assertEndpointFree(manager: EntityManager, server: ServerEntity): Promise<void> {
    const existing = await manager.getRepository(ServerEntity).findOne({
      where: { hostname: server.hostname, port: server.port, username: server.username },
      select: { id: true, name: true },
    });
    if (existing && existing.id !== server.id) {
      throw new DomainError(
        'CONFLICT',
        `Server "${existing.name}" (${existing.id}) already uses ${server.username}@${server.hostname}:${server.port}.`,
        { server_id: existing.id },
      );
    }
  }
}
