import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../../database/transaction-runner';
import { countPurgeable, PurgeCondition } from '../../retention/retention-batch';
import { RetentionTargets } from '../../retention/retention-target';
import { MetricSampleEntity } from './metric-sample.entity';

const sampledBefore = (cutoff: string): PurgeCondition => ({
  where: 'purged.sampledAtMs < :cutoffMs',
  parameters: { cutoffMs: Date.parse(cutoff) },
});

/**
 * The `metrics` data type of retention: samples taken before the cutoff, oldest first through
 * idx_metrics_sampled_at. The table has no rowid: a batch is deleted by its full key.
 */
@Injectable()
export class MetricsRetention implements OnModuleInit {
  constructor(
    private readonly targets: RetentionTargets,
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  onModuleInit(): void {
    this.targets.register({
      dataType: 'metrics',
      count: (cutoff) =>
        countPurgeable(this.dataSource.manager, MetricSampleEntity, sampledBefore(cutoff)),
      deleteBatch: (cutoff, limit) =>
        this.transactions.run(async (manager) => {
          const condition = sampledBefore(cutoff);
          const oldest = manager
            .createQueryBuilder(MetricSampleEntity, 'purged')
            .select(['purged.serverId', 'purged.metric', 'purged.sampledAtMs'])
            .where(condition.where, condition.parameters)
            .orderBy('purged.sampledAtMs', 'ASC')
            .limit(limit);
          const result = await manager
            .createQueryBuilder()
            .delete()
            .from(MetricSampleEntity)
            .where(`(server_id, metric, sampled_at_ms) IN (${oldest.getQuery()})`)
            .setParameters(oldest.getParameters())
            .execute();
          return result.affected ?? 0;
        }),
    });
  }
}
