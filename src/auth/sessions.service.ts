import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, IsNull, Not, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, principalOf } from '../common/auth/principal';
import { Page } from '../common/dto/pagination.dto';
import { DomainError, notFound } from '../common/errors/domain-error';
import { EventBus } from '../common/events/event-bus';
import { isoPlusSeconds, nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import { SettingsService } from '../settings/settings.service';
import { ListSessionsDto, SessionIdDto } from './dto/session.dto';
import { SessionEntity } from './entities/session.entity';
import { SessionStatus, SessionView, toSessionView } from './views';

/** Last-activity times are written at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;

/** Login sessions; the only writer of the `sessions` table. */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly settings: SettingsService,
  ) {}

  async open(manager: EntityManager, userId: string, actor: Actor): Promise<SessionEntity> {
    const now = nowIso();
    const session = manager.getRepository(SessionEntity).create({
      id: randomUUID(),
      userId,
      ipAddress: actor.ip,
      userAgent: actor.userAgent,
      createdAt: now,
      lastActivityAt: now,
      expiresAt: isoPlusSeconds(now, this.config.jwt.expiresInSeconds),
      revokedAt: null,
      revokedReason: null,
    });
    await manager.getRepository(SessionEntity).insert(session);
    return session;
  }

  statusOf(
    session: Pick<SessionEntity, 'revokedAt' | 'expiresAt' | 'lastActivityAt'>,
    now = Date.now(),
  ): SessionStatus {
    if (session.revokedAt) return 'revoked';
    if (Date.parse(session.expiresAt) <= now) return 'expired';
    const idleSeconds = this.settings.get('security.session_idle_timeout');
    if (now - Date.parse(session.lastActivityAt) > idleSeconds * 1000) {
      return 'expired';
    }
    return 'active';
  }

  /** Records activity on a session at most once a minute (the idle timeout counts from it). */
  async touch(sessionId: string, lastActivityAt: string): Promise<void> {
    if (Date.now() - Date.parse(lastActivityAt) <= TOUCH_INTERVAL_MS) return;
    const at = nowIso();
    await this.transactions.run((manager) =>
      manager
        .getRepository(SessionEntity)
        .update({ id: sessionId, revokedAt: IsNull() }, { lastActivityAt: at }),
    );
  }

  async list(actor: Actor, dto: ListSessionsDto): Promise<Page<SessionView>> {
    const principal = principalOf(actor);
    const userId = dto.user_id ?? principal.userId;
    if (userId !== principal.userId && principal.role !== 'admin') {
      throw new DomainError('FORBIDDEN', 'Only an admin may list the sessions of another user.');
    }
    const rows = await this.sessions.find({
      where: { userId, revokedAt: IsNull() },
      order: { lastActivityAt: 'DESC' },
    });
    const now = Date.now();
    const items = rows
      .map((row) => toSessionView(row, this.statusOf(row, now), principal.sessionId))
      .filter((view) => view.status === 'active');
    return { items, total: items.length };
  }

  async terminate(actor: Actor, dto: SessionIdDto): Promise<{ success: true }> {
    const principal = principalOf(actor);
    const session = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(SessionEntity);
      const found = await repository.findOneBy({ id: dto.session_id, revokedAt: IsNull() });
      // Another user's session is reported as missing, so ids cannot be probed.
      if (!found || (found.userId !== principal.userId && principal.role !== 'admin'))
        throw notFound('Session', dto.session_id);
      await repository.update(
        { id: found.id },
        { revokedAt: nowIso(), revokedReason: 'terminated' },
      );
      await this.audit.record(
        actor,
        {
          action: 'session.terminated',
          targetType: 'session',
          targetId: found.id,
          details: { user_id: found.userId },
        },
        manager,
      );
      return found;
    });
    this.events.emit('session.revoked', {
      sessionId: session.id,
      userId: session.userId,
      reason: 'terminated',
    });
    return { success: true };
  }

  async revoke(manager: EntityManager, sessionId: string, reason: string): Promise<void> {
    await manager
      .getRepository(SessionEntity)
      .update(
        { id: sessionId, revokedAt: IsNull() },
        { revokedAt: nowIso(), revokedReason: reason },
      );
  }

  /** Ends every session of a user, optionally but one (the caller's own after a password change). */
  async revokeAllForUser(
    manager: EntityManager,
    userId: string,
    reason: string,
    exceptSessionId?: string,
  ): Promise<string[]> {
    const where = {
      userId,
      revokedAt: IsNull(),
      ...(exceptSessionId ? { id: Not(exceptSessionId) } : {}),
    };
    const repository = manager.getRepository(SessionEntity);
    // The ids, so the caller can announce each (session.revoked) once this has committed.
    const revoked = await repository.find({ select: { id: true }, where });
    await repository.update(where, { revokedAt: nowIso(), revokedReason: reason });
    return revoked.map((session) => session.id);
  }
}
