import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { RetentionDataType } from './retention-target';

/** How long one data type is kept; the daily run (and run_retention) deletes older rows. */
@Entity('retention_policies')
@Unique('uq_retention_policies_data_type', ['dataType'])
export class RetentionPolicyEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { name: 'data_type', length: 32 })
  dataType!: RetentionDataType;

  @Column('integer', { name: 'retention_days' })
  retentionDays!: number;

  @Column('boolean')
  enabled!: boolean;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;

  @Column('varchar', { name: 'last_run_at', length: 30, nullable: true })
  lastRunAt!: string | null;

  /** Rows the last run deleted for this data type. */
  @Column('integer', { name: 'last_run_rows', nullable: true })
  lastRunRows!: number | null;
}
