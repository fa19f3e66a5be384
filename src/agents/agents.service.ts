import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import type { Page } from '../common/dto/pagination.dto';
import { DomainError } from '../common/errors/domain-error';
import { quoteArg } from '../common/shell/shell-quote';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import type { ServerIdDto } from '../servers/dto/server.dto';
import { ServerConnector } from '../servers/server-connector';
import { AgentRegistry } from './agent-registry.service';
import { agentTokenHash, newAgentToken, newRegistrationCode } from './agent-secrets';
import { AGENT_SETTINGS, AgentSettings } from './agent-settings';
import { AgentView, RegistrationView, toAgentView } from './agents.views';
import type { ListAgentsDto } from './dto/agent.dto';
import { AgentRegistrationCodeEntity } from './entities/agent-registration-code.entity';
import { AgentEntity } from './entities/agent.entity';
import { AgentConnections } from './gateway/agent-connections';
import { CLOSE } from './gateway/agent-gateway';

const ROTATION_GRACE_SECONDS = 300;

/** The agents tools: registration, status, ping, token rotation, revocation. */
@Injectable()
export class AgentsService {
  constructor(
    @InjectRepository(AgentEntity) private readonly agents: Repository<AgentEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly registry: AgentRegistry,
    private readonly connections: AgentConnections,
    private readonly connector: ServerConnector,
    @Inject(AGENT_SETTINGS) private readonly settings: AgentSettings,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The URL agents dial: SERVER_URL with ws(s) and the gateway path. */
  get agentUrl(): string {
    const url = new URL(this.config.serverUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = `${url.pathname.replace(/\/$/, '')}/ws/agent`;
    return url.toString();
  }

  /**
   * Creates or resets the server's agent and issues a one-time code. The server's previous code
   * and token stop working, and a connected agent is disconnected (4003).
   */
  async register(actor: Actor, dto: ServerIdDto): Promise<RegistrationView> {
    await this.connector.load(dto.server_id);
    const code = newRegistrationCode();
    const agent = await this.transactions.run(async (manager) => {
      const agents = manager.getRepository(AgentEntity);
      const now = nowIso();
      let row = await agents.findOneBy({ serverId: dto.server_id });
      if (!row) {
        row = agents.create({
          id: randomUUID(),
          serverId: dto.server_id,
          version: null,
          registeredAt: null,
          connectedAt: null,
          lastHeartbeatAt: null,
          ipAddress: null,
          createdAt: now,
        });
      }
      Object.assign(row, {
        status: 'pending',
        tokenHash: null,
        pendingTokenHash: null,
        previousTokenHash: null,
        previousTokenExpiresAt: null,
        updatedAt: now,
      });
      await agents.save(row);
      const codes = manager.getRepository(AgentRegistrationCodeEntity);
      await codes.delete({ agentId: row.id });
      const codeRow = this.registry.newCodeRow(row.id, code);
      await codes.insert(codeRow);
      await this.audit.record(
        actor,
        {
          action: 'agent.registration_issued',
          targetType: 'agent',
          targetId: row.id,
          details: { server_id: dto.server_id, expires_at: codeRow.expiresAt },
        },
        manager,
      );
      return { row, expiresAt: codeRow.expiresAt };
    });
    this.connections.forAgent(agent.row.id)?.close(CLOSE.REVOKED, 'registration reset');
    return {
      agent_id: agent.row.id,
      registration_code: code,
      expires_at: agent.expiresAt,
      server_url: this.agentUrl,
      command: `tomo-agent --server ${quoteArg(this.agentUrl)} --code ${quoteArg(code)}`,
    };
  }

  async list(dto: ListAgentsDto): Promise<Page<AgentView>> {
    const [rows, total] = await this.agents.findAndCount({
      where: dto.status ? { status: dto.status } : {},
      order: { createdAt: 'ASC', id: 'ASC' },
      take: dto.limit ?? 50,
      skip: dto.offset ?? 0,
    });
    return { items: rows.map((row) => this.view(row)), total };
  }

  async status(dto: ServerIdDto): Promise<AgentView> {
    return this.view(await this.agentOf(dto.server_id));
  }

  /** An `agent.ping` round trip. */
  async ping(_actor: Actor, dto: ServerIdDto) {
    const agent = await this.agentOf(dto.server_id);
    const connection = this.connections.forAgent(agent.id);
    if (!connection) throw this.offline(agent);
    const started = process.hrtime.bigint();
    const result = await connection.request<Record<string, unknown>>(
      'agent.ping',
      undefined,
      this.settings.requestTimeoutSeconds * 1000,
    );
    return {
      success: result?.status === 'ok',
      latency_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
      version: typeof result?.version === 'string' ? result.version : null,
      agent_id: agent.id,
    };
  }

  /**
   * New token: its hash is stored as pending, the agent saves it and answers ok, then it is
   * promoted and the old one keeps working for the grace period. Any other answer drops it.
   */
  async rotate(actor: Actor, dto: ServerIdDto) {
    const agent = await this.agentOf(dto.server_id);
    const connection = this.connections.forAgent(agent.id);
    if (!connection) throw this.offline(agent);
    const token = newAgentToken();
    await this.transactions.run((manager) =>
      manager
        .getRepository(AgentEntity)
        .update({ id: agent.id }, { pendingTokenHash: agentTokenHash(token), updatedAt: nowIso() }),
    );
    let answer: Record<string, unknown> | undefined;
    try {
      answer = await connection.request<Record<string, unknown>>(
        'agent.rotate_token',
        { new_token: token, grace_period_seconds: ROTATION_GRACE_SECONDS },
        this.settings.requestTimeoutSeconds * 1000,
      );
    } finally {
      if (answer?.status !== 'ok') {
        await this.transactions.run((manager) =>
          manager
            .getRepository(AgentEntity)
            .update({ id: agent.id }, { pendingTokenHash: null, updatedAt: nowIso() }),
        );
      }
    }
    if (answer?.status !== 'ok') {
      await this.audit.recordOutcome(
        actor,
        'agent.token_rotated',
        { type: 'agent', id: agent.id },
        false,
        {},
      );
      throw new DomainError(
        'AGENT_ERROR',
        'The agent did not confirm the new token; the old one stays.',
      );
    }
    await this.registry.promotePending(agent.id, ROTATION_GRACE_SECONDS);
    await this.audit.recordOutcome(
      actor,
      'agent.token_rotated',
      { type: 'agent', id: agent.id },
      true,
      {
        grace_period_seconds: ROTATION_GRACE_SECONDS,
      },
    );
    return {
      success: true,
      rotated_at: typeof answer.rotated_at === 'string' ? answer.rotated_at : nowIso(),
      grace_period_seconds: ROTATION_GRACE_SECONDS,
    };
  }

  /** Clears every token and code of the agent and closes its socket with 4003. */
  async revoke(actor: Actor, dto: ServerIdDto): Promise<{ success: boolean }> {
    const agent = await this.agentOf(dto.server_id);
    await this.transactions.run(async (manager) => {
      await manager.getRepository(AgentEntity).update(
        { id: agent.id },
        {
          status: 'revoked',
          tokenHash: null,
          pendingTokenHash: null,
          previousTokenHash: null,
          previousTokenExpiresAt: null,
          updatedAt: nowIso(),
        },
      );
      await manager.getRepository(AgentRegistrationCodeEntity).delete({ agentId: agent.id });
      await this.audit.record(
        actor,
        {
          action: 'agent.revoked',
          targetType: 'agent',
          targetId: agent.id,
          details: { server_id: agent.serverId },
        },
        manager,
      );
    });
    this.connections.forAgent(agent.id)?.close(CLOSE.REVOKED, 'agent revoked');
    return { success: true };
  }

  private async agentOf(serverId: string): Promise<AgentEntity> {
    await this.connector.load(serverId);
    const agent = await this.agents.findOneBy({ serverId });
    if (!agent) {
      throw new DomainError(
        'NOT_FOUND',
        `Server ${serverId} has no agent; register_agent or install_agent creates one.`,
      );
    }
    return agent;
  }

  private offline(agent: AgentEntity): DomainError {
    return new DomainError(
      'AGENT_OFFLINE',
      `The agent of server ${agent.serverId} is ${agent.status}, not connected.`,
    );
  }

  private view(row: AgentEntity): AgentView {
    return toAgentView(row, this.connections.forAgent(row.id)?.isOpen === true);
  }
}
