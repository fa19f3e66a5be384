import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/**
 * One change of a setting. `checksum` is HMAC-SHA256 (key derived from the audit key, kept
 * outside the database) over this row's fields and the checksum of the row before it in `seq`
 * order. Values are JSON; a secret's value is recorded as "[secret]", never itself.
 */
@Entity('settings_audit')
@Unique('uq_settings_audit_seq', ['seq'])
@Index('idx_settings_audit_key', ['settingKey'])
export class SettingsAuditEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('integer')
  seq!: number;

  @Column('varchar', { name: 'setting_scope', length: 8 })
  settingScope!: 'system' | 'user';

  @Column('varchar', { name: 'setting_key', length: 128 })
  settingKey!: string;

  /** Whose override changed (scope user); null for a system setting. No foreign key: the trail outlives the user. */
  @Column('varchar', { name: 'user_id', length: 36, nullable: true })
  userId!: string | null;

  /** JSON of the value before; null when it was the default. */
  @Column('text', { name: 'old_value', nullable: true })
  oldValue!: string | null;

  /** JSON of the value after; null when it went back to the default (reset). */
  @Column('text', { name: 'new_value', nullable: true })
  newValue!: string | null;

  @Column('varchar', { name: 'changed_by', length: 128 })
  changedBy!: string;

  @Column('varchar', { length: 30 })
  timestamp!: string;

  @Column('varchar', { length: 64 })
  checksum!: string;
}
