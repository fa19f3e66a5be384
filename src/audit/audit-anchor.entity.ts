import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The id of the one anchor row. */
export const ANCHOR_ID = 'audit_log';

/**
 * Where the audit chain starts once its oldest rows were purged: the seq and hash of the last
 * purged row and how many rows were purged in all, signed with the audit key (so it cannot be
 * written or moved from inside the database). One row, replaced by each purge batch in the
 * transaction that deletes the rows.
 */
@Entity('audit_anchor')
export class AuditAnchorEntity {
  /** Always "audit_log": there is one anchor. */
  @PrimaryColumn('varchar', { length: 16 })
  id!: string;

  /** The seq of the last purged row: the first remaining row has seq + 1. */
  @Column('integer')
  seq!: number;

  /** The hash of the last purged row: the first remaining row's prev_hash. */
  @Column('varchar', { length: 64 })
  hash!: string;

  /** Rows purged since the log began. */
  @Column('integer', { name: 'purged_count' })
  purgedCount!: number;

  @Column('varchar', { name: 'purged_at', length: 30 })
  purgedAt!: string;

  /** HMAC-SHA256 (audit key) over the fields above. */
  @Column('varchar', { length: 64 })
  signature!: string;
}
