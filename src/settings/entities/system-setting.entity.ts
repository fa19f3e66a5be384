import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A system setting set away from its default. No row: the default, version 0. `value` is the
 * JSON of the typed value, or a SecretBox envelope for a secret-type key.
 */
@Entity('system_settings')
export class SystemSettingEntity {
  @PrimaryColumn('varchar', { length: 128 })
  key!: string;

  @Column('text')
  value!: string;

  @Column('integer')
  version!: number;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;

  /** Username of who made the change ("system" for Tomo itself). */
  @Column('varchar', { name: 'updated_by', length: 128 })
  updatedBy!: string;
}
