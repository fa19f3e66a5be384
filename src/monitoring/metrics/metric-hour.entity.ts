import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ServerEntity } from '../../servers/server.entity';
import type { MetricName } from './metric-names';

const epochMs = {
  to: (value: number): number => value,
  from: (value: number | string): number => Number(value),
};

/**
 * One hour of one series of one server, rolled up from `metrics` once the hour is over: how
 * many samples, their sum (the average is sum / samples, and sums add up across hours), lowest
 * and highest. get_metrics at a resolution of whole hours reads these instead of every sample
 * (30 days are 720 rows per series instead of 86,400). Same key layout as `metrics`.
 */
@Entity('metrics_hourly', { withoutRowid: true })
@Index('idx_metrics_hourly_bucket', ['bucketMs'])
export class MetricHourEntity {
  @PrimaryColumn('varchar', { name: 'server_id', length: 36 })
  serverId!: string;

  @ManyToOne(() => ServerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'server_id' })
  server?: ServerEntity;

  @PrimaryColumn('varchar', { length: 32 })
  metric!: MetricName;

  /** Start of the hour, epoch milliseconds. */
  @PrimaryColumn('bigint', { name: 'bucket_ms', transformer: epochMs })
  bucketMs!: number;

  @Column('integer')
  samples!: number;

  @Column('double precision')
  sum!: number;

  @Column('double precision')
  min!: number;

  @Column('double precision')
  max!: number;
}
