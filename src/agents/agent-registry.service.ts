import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, IsNull, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../common/auth/principal';
import { constantTimeEqual } from '../common/crypto/tokens';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { agentTokenHash, newAgentToken, registrationCodeHash } from './agent-secrets';
import { AGENT_SETTINGS, AgentSettings } from './agent-settings';
import { AgentRegistrationCodeEntity } from './entities/agent-registration-code.entity';
import { AgentEntity } from './entities/agent.entity';

export interface RedeemedCode {
  agentId: string;
  serverId: string;
  token: string;
}

export interface AuthenticatedAgent {
  agentId: string;
  serverId: string;
}

/** last_heartbeat_at is written at most this often per agent. */
const HEARTBEAT_WRITE_MS = 10_000;
/** Due heartbeats are written together, in one statement per chunk, this often. */
const HEARTBEAT_FLUSH_MS = 2_000;
const HEARTBEAT_CHUNK = 500;

/**
 * The agents table as the gateway sees it: redeeming codes, checking tokens, and keeping the
 * connection status in step with the socket.
 */
@Injectable()
export class AgentRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly heartbeatWritten = new Map<string, number>();
  /** Agents heard from since their last heartbeat write, waiting for the next flush. */
  private readonly heartbeatDue = new Set<string>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(AgentEntity) private readonly agents: Repository<AgentEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    @Inject(AGENT_SETTINGS) private readonly settings: AgentSettings,
  ) {}

  onModuleInit(): void {
    this.flushTimer = setInterval(() => void this.flushHeartbeats(), HEARTBEAT_FLUSH_MS);
    this.flushTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushHeartbeats();
  }

  /**
   * Redeems a one-time code: exactly one of several concurrent redeems wins (the used_at update
   * is conditional). Unknown, used and expired codes all answer null.
   */
  async redeem(code: string, ip: string | null): Promise<RedeemedCode | null> {
    const hash = registrationCodeHash(code);
    const token = newAgentToken();
    return this.transactions.run(async (manager) => {
      const codes = manager.getRepository(AgentRegistrationCodeEntity);
      const row = await codes.findOneBy({ codeHash: hash, usedAt: IsNull() });
      if (!row || Date.parse(row.expiresAt) <= Date.now()) return null;
      const now = nowIso();
      const taken = await codes.update({ id: row.id, usedAt: IsNull() }, { usedAt: now });
      if (taken.affected !== 1) return null;
      const agents = manager.getRepository(AgentEntity);
      const agent = await agents.findOneBy({ id: row.agentId });
      if (!agent) return null;
      await agents.update(
        { id: agent.id },
        {
          tokenHash: agentTokenHash(token),
          pendingTokenHash: null,
          previousTokenHash: null,
          previousTokenExpiresAt: null,
          registeredAt: now,
          ipAddress: ip,
          updatedAt: now,
        },
      );
      await this.audit.record(
        { ...SYSTEM_ACTOR, interface: 'ws', ip },
        {
          action: 'agent.code_redeemed',
          targetType: 'agent',
          targetId: agent.id,
          details: { server_id: agent.serverId },
        },
        manager,
      );
      return { agentId: agent.id, serverId: agent.serverId, token };
    });
  }

  /**
   * The agent a token belongs to: its current token, a token being rotated in (the agent saved
   * it before the backend promoted it), or the previous one within its grace period.
   */
  async authenticate(token: string): Promise<AuthenticatedAgent | null> {
    const hash = agentTokenHash(token);
    const agent = await this.agents.findOne({
      where: [{ tokenHash: hash }, { pendingTokenHash: hash }, { previousTokenHash: hash }],
    });
    if (!agent || agent.status === 'revoked') return null;
    if (agent.tokenHash && constantTimeEqual(agent.tokenHash, hash)) {
      return { agentId: agent.id, serverId: agent.serverId };
    }
    if (agent.pendingTokenHash && constantTimeEqual(agent.pendingTokenHash, hash)) {
      await this.promotePending(agent.id);
      return { agentId: agent.id, serverId: agent.serverId };
    }
    const graceOpen =
      agent.previousTokenExpiresAt !== null &&
      Date.parse(agent.previousTokenExpiresAt) > Date.now();
    if (agent.previousTokenHash && graceOpen && constantTimeEqual(agent.previousTokenHash, hash)) {
      return { agentId: agent.id, serverId: agent.serverId };
    }
    return null;
  }

  /** The pending token becomes current; the old one stays valid for the grace period. */
  async promotePending(agentId: string, graceSeconds = 300): Promise<boolean> {
    return this.transactions.run(async (manager) => {
      const agents = manager.getRepository(AgentEntity);
      const agent = await agents.findOneBy({ id: agentId });
      if (!agent?.pendingTokenHash) return false;
      await agents.update(
        { id: agentId },
        {
          previousTokenHash: agent.tokenHash,
          previousTokenExpiresAt: new Date(Date.now() + graceSeconds * 1000).toISOString(),
          tokenHash: agent.pendingTokenHash,
          pendingTokenHash: null,
          updatedAt: nowIso(),
        },
      );
      return true;
    });
  }

  async markConnected(agentId: string, version: string, ip: string | null): Promise<void> {
    const now = nowIso();
    await this.transactions.run((manager) =>
      manager.getRepository(AgentEntity).update(
        { id: agentId },
        {
          status: 'connected',
          version,
          connectedAt: now,
          lastHeartbeatAt: now,
          ipAddress: ip,
          updatedAt: now,
        },
      ),
    );
    this.heartbeatWritten.set(agentId, Date.now());
  }

  /** Marks the agent disconnected unless it was revoked meanwhile. */
  async markDisconnected(agentId: string): Promise<void> {
    this.heartbeatWritten.delete(agentId);
    this.heartbeatDue.delete(agentId);
    await this.transactions.run((manager) =>
      manager
        .getRepository(AgentEntity)
        .createQueryBuilder()
        .update()
        .set({ status: 'disconnected', updatedAt: nowIso() })
        .where('id = :id AND status = :connected', { id: agentId, connected: 'connected' })
        .execute(),
    );
  }

  /**
   * Any frame from the agent counts as a heartbeat. The database hears of it at most every
   * 10 s per agent, and all due agents are written together, so thousands of agents cost a
   * few statements every couple of seconds rather than a transaction each.
   */
  heartbeat(agentId: string): Promise<void> {
    const last = this.heartbeatWritten.get(agentId) ?? 0;
    if (Date.now() - last >= HEARTBEAT_WRITE_MS) {
      this.heartbeatWritten.set(agentId, Date.now());
      this.heartbeatDue.add(agentId);
    }
    return Promise.resolve();
  }

  /** Writes last_heartbeat_at of every due agent. */
  async flushHeartbeats(): Promise<void> {
    if (this.heartbeatDue.size === 0) return;
    const due = [...this.heartbeatDue];
    this.heartbeatDue.clear();
    const now = nowIso();
    await this.transactions
      .run(async (manager) => {
        const agents = manager.getRepository(AgentEntity);
        for (let i = 0; i < due.length; i += HEARTBEAT_CHUNK) {
          await agents.update(
            { id: In(due.slice(i, i + HEARTBEAT_CHUNK)) },
            { lastHeartbeatAt: now },
          );
        }
      })
      .catch(() => undefined);
  }

  /** At startup no socket is open: nothing can be connected. */
  async resetConnected(): Promise<void> {
    await this.transactions.run((manager) =>
      manager
        .getRepository(AgentEntity)
        .update({ status: 'connected' }, { status: 'disconnected', updatedAt: nowIso() }),
    );
  }

  newCodeRow(agentId: string, code: string): AgentRegistrationCodeEntity {
    const now = Date.now();
    return {
      id: randomUUID(),
      agentId,
      codeHash: registrationCodeHash(code),
      expiresAt: new Date(now + this.settings.registrationCodeTtlSeconds * 1000).toISOString(),
      usedAt: null,
      createdAt: new Date(now).toISOString(),
    };
  }
}
