import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { countPurgeable, deletePurgeable, PurgeCondition } from '../retention/retention-batch';
import { RetentionTargets } from '../retention/retention-target';
import { InstalledAppEntity } from './entities/installed-app.entity';

/** The `installations` data type of retention: installations removed before the cutoff. */
const removedBefore = (cutoff: string): PurgeCondition => ({
  where: "purged.status = 'removed' AND purged.updatedAt < :cutoff",
  parameters: { cutoff },
});

@Injectable()
export class InstallationsRetention implements OnModuleInit {
  constructor(
    private readonly targets: RetentionTargets,
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  onModuleInit(): void {
    this.targets.register({
      dataType: 'installations',
      count: (cutoff) =>
        countPurgeable(this.dataSource.manager, InstalledAppEntity, removedBefore(cutoff)),
      deleteBatch: (cutoff, limit) =>
        this.transactions.run((manager) =>
          deletePurgeable(manager, InstalledAppEntity, removedBefore(cutoff), {
            key: 'id',
            keyColumn: 'id',
            orderBy: 'updatedAt',
            limit,
          }),
        ),
    });
  }
}
