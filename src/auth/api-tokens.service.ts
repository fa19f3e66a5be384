import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, principalOf } from '../common/auth/principal';
import { randomToken, sha256Hex } from '../common/crypto/tokens';
import { Page } from '../common/dto/pagination.dto';
import { notFound } from '../common/errors/domain-error';
import { EventBus } from '../common/events/event-bus';
import { isoPlusSeconds, nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { CreateApiTokenDto, TokenIdDto } from './dto/api-token.dto';
import { ApiTokenEntity } from './entities/api-token.entity';
import { ApiTokenView, toApiTokenView } from './views';

export const API_TOKEN_PREFIX = 'tomo_';
const LAST_USED_INTERVAL_MS = 60_000;

/** Personal API tokens: 256 random bits, shown once, stored as SHA-256. Owner-scoped. */
@Injectable()
export class ApiTokensService {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: EventBus,
  ) {}

  async create(actor: Actor, dto: CreateApiTokenDto): Promise<ApiTokenView & { token: string }> {
    const principal = principalOf(actor);
    const secret = `${API_TOKEN_PREFIX}${randomToken(32)}`;
    const now = nowIso();
    const entity = this.tokens.create({
      id: randomUUID(),
      userId: principal.userId,
      name: dto.name,
      tokenHash: sha256Hex(secret),
      tokenPrefix: secret.slice(0, 12),
      // A token made with a read-only token is read-only too.
      readOnly: dto.read_only === true || principal.readOnly,
      createdAt: now,
      expiresAt: dto.expires_in_days ? isoPlusSeconds(now, dto.expires_in_days * 86400) : null,
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.transactions.run(async (manager) => {
      await manager.getRepository(ApiTokenEntity).insert(entity);
      await this.audit.record(
        actor,
        {
          action: 'api_token.created',
          targetType: 'api_token',
          targetId: entity.id,
          details: { name: entity.name, read_only: entity.readOnly, expires_at: entity.expiresAt },
        },
        manager,
      );
    });
    return { ...toApiTokenView(entity), token: secret };
  }

  async list(actor: Actor): Promise<Page<ApiTokenView>> {
    const rows = await this.tokens.find({
      where: { userId: principalOf(actor).userId, revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
    return { items: rows.map(toApiTokenView), total: rows.length };
  }

  async revoke(actor: Actor, dto: TokenIdDto): Promise<{ success: true }> {
    const principal = principalOf(actor);
    const revoked = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(ApiTokenEntity);
      const token = await repository.findOneBy({ id: dto.token_id, revokedAt: IsNull() });
      if (!token || (token.userId !== principal.userId && principal.role !== 'admin'))
        throw notFound('API token', dto.token_id);
      await repository.update({ id: token.id }, { revokedAt: nowIso() });
      await this.audit.record(
        actor,
        {
          action: 'api_token.revoked',
          targetType: 'api_token',
          targetId: token.id,
          details: { name: token.name },
        },
        manager,
      );
      return token;
    });
    // Live sockets opened with the token close now rather than at their next credential check.
    this.events.emit('api_token.revoked', { tokenId: revoked.id, userId: revoked.userId });
    return { success: true };
  }

  /** Notes the use of a token at most once a minute. */
  async touch(tokenId: string, lastUsedAt: string | null): Promise<void> {
    if (lastUsedAt && Date.now() - Date.parse(lastUsedAt) <= LAST_USED_INTERVAL_MS) return;
    const at = nowIso();
    await this.transactions.run((manager) =>
      manager.getRepository(ApiTokenEntity).update({ id: tokenId }, { lastUsedAt: at }),
    );
  }
}
