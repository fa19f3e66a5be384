import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ServerEntity } from '../../servers/server.entity';
import type { MetricName } from './metric-names';

/** bigint comes back as a string from PostgreSQL; the application works in numbers. */
const epochMs = {
  to: (value: number): number => value,
  from: (value: number | string): number => Number(value),
};

/**
 * One value of one series of one server. A narrow row per value, keyed by series and time:
 * `get_metrics` reads one contiguous key range per series (WITHOUT ROWID stores the rows in key
 * order, so the key is the index), and a new series needs no migration. Time is epoch
 * milliseconds rather than the ISO strings of other tables: three copies of it per sample
 * (row and two indexes) stay small, and downsampling is integer division on any database.
 * `idx_metrics_sampled_at` lets the retention job delete by age.
 */
@Entity('metrics', { withoutRowid: true })
@Index('idx_metrics_sampled_at', ['sampledAtMs'])
export class MetricSampleEntity {
  @PrimaryColumn('varchar', { name: 'server_id', length: 36 })
  serverId!: string;

  @ManyToOne(() => ServerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'server_id' })
  server?: ServerEntity;

  @PrimaryColumn('varchar', { length: 32 })
  metric!: MetricName;

  @PrimaryColumn('bigint', { name: 'sampled_at_ms', transformer: epochMs })
  sampledAtMs!: number;

  @Column('double precision')
  value!: number;
}
