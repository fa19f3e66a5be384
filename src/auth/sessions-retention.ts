import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { countPurgeable, deletePurgeable, PurgeCondition } from '../retention/retention-batch';
import { RetentionTargets } from '../retention/retention-target';
import { SettingsService } from '../settings/settings.service';
import { SessionEntity } from './entities/session.entity';

/**
 * The `sessions` data type of retention: sessions that ended before the cutoff, never a live
 * one. A session ends when it is revoked (logout, password change…), when it expires, or when it
 * sits idle longer than security.session_idle_timeout (read at each call).
 */
@Injectable()
export class SessionsRetention implements OnModuleInit {
  constructor(
    private readonly targets: RetentionTargets,
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly settings: SettingsService,
  ) {}

  onModuleInit(): void {
    this.targets.register({
      dataType: 'sessions',
      count: (cutoff) =>
        countPurgeable(this.dataSource.manager, SessionEntity, this.endedBefore(cutoff)),
      deleteBatch: (cutoff, limit) =>
        this.transactions.run((manager) =>
          deletePurgeable(manager, SessionEntity, this.endedBefore(cutoff), {
            key: 'id',
            keyColumn: 'id',
            orderBy: 'createdAt',
            limit,
          }),
        ),
    });
  }

  private endedBefore(cutoff: string): PurgeCondition {
    const idleMs = this.settings.get('security.session_idle_timeout') * 1000;
    return {
      where:
        '(purged.revokedAt IS NOT NULL AND purged.revokedAt < :cutoff) OR purged.expiresAt < :cutoff OR purged.lastActivityAt < :idleCutoff',
      parameters: {
        cutoff,
        idleCutoff: new Date(Date.parse(cutoff) - idleMs).toISOString(),
      },
    };
  }
}
