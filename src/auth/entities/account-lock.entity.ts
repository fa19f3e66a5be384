import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Failed logins per username; a row with `locked_until` in the future locks the account. */
@Entity('account_locks')
export class AccountLockEntity {
  @PrimaryColumn('varchar', { length: 64 })
  username!: string;

  @Column('integer', { name: 'failed_attempts', default: 0 })
  failedAttempts!: number;

  @Column('varchar', { name: 'locked_until', length: 30, nullable: true })
  lockedUntil!: string | null;

  @Column('varchar', { name: 'last_failure_at', length: 30 })
  lastFailureAt!: string;
}
