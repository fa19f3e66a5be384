import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { countPurgeable, deletePurgeable, PurgeCondition } from '../retention/retention-batch';
import { RetentionDataType, RetentionTargets } from '../retention/retention-target';
import { ActivityEntryEntity } from './activity-entry.entity';
import { LogEntryEntity } from './log-entry.entity';

const olderThan = (cutoff: string): PurgeCondition => ({
  where: 'purged.timestamp < :cutoff',
  parameters: { cutoff },
});

/** The `logs` and `activity` data types of retention: rows by their timestamp. */
@Injectable()
export class LogsRetention implements OnModuleInit {
  constructor(
    private readonly targets: RetentionTargets,
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  onModuleInit(): void {
    this.register('logs', LogEntryEntity);
    this.register('activity', ActivityEntryEntity);
  }

  private register<T extends ObjectLiteral>(
    dataType: RetentionDataType,
    entity: EntityTarget<T>,
  ): void {
    this.targets.register({
      dataType,
      count: (cutoff) => countPurgeable(this.dataSource.manager, entity, olderThan(cutoff)),
      deleteBatch: (cutoff, limit) =>
        this.transactions.run((manager) =>
          deletePurgeable(manager, entity, olderThan(cutoff), {
            key: 'id',
            keyColumn: 'id',
            orderBy: 'timestamp',
            limit,
          }),
        ),
    });
  }
}
