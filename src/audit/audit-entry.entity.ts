import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/**
 * One audited event. `hash` is HMAC-SHA256 (key outside the database) over this row's
 * fields and `prev_hash`, the hash of the row before it in `seq` order.
 * `idx_audit_log_action_timestamp` (made by the retention migration) answers query_audit_log by
 * action and time, newest first, from the index alone.
 */
@Entity('audit_log')
@Unique('uq_audit_log_seq', ['seq'])
@Index('idx_audit_log_timestamp', ['timestamp'])
@Index('idx_audit_log_action_timestamp', ['action', 'timestamp', 'seq'])
@Index('idx_audit_log_actor_id', ['actorId'])
export class AuditEntryEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('integer')
  seq!: number;

  @Column('varchar', { length: 30 })
  timestamp!: string;

  @Column('varchar', { name: 'actor_type', length: 16 })
  actorType!: string;

  @Column('varchar', { name: 'actor_id', length: 36, nullable: true })
  actorId!: string | null;

  @Column('varchar', { name: 'actor_name', length: 128, nullable: true })
  actorName!: string | null;

  @Column('varchar', { length: 16 })
  interface!: string;

  @Column('varchar', { length: 64 })
  action!: string;

  @Column('varchar', { name: 'target_type', length: 32, nullable: true })
  targetType!: string | null;

  @Column('varchar', { name: 'target_id', length: 128, nullable: true })
  targetId!: string | null;

  @Column('varchar', { length: 16 })
  result!: string;

  @Column('varchar', { name: 'ip_address', length: 64, nullable: true })
  ipAddress!: string | null;

  @Column('varchar', { name: 'user_agent', length: 512, nullable: true })
  userAgent!: string | null;

  @Column('text', { nullable: true })
  details!: string | null;

  @Column('varchar', { name: 'prev_hash', length: 64 })
  prevHash!: string;

  @Column('varchar', { length: 64 })
  hash!: string;
}
