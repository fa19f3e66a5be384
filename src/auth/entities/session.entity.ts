import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/** One login. The JWT's `jti` is this row's id; every request checks the row. */
@Entity('sessions')
@Index('idx_sessions_user_id', ['userId'])
export class SessionEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { name: 'user_id', length: 36 })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column('varchar', { name: 'ip_address', length: 64, nullable: true })
  ipAddress!: string | null;

  @Column('varchar', { name: 'user_agent', length: 512, nullable: true })
  userAgent!: string | null;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'last_activity_at', length: 30 })
  lastActivityAt!: string;

  @Column('varchar', { name: 'expires_at', length: 30 })
  expiresAt!: string;

  @Column('varchar', { name: 'revoked_at', length: 30, nullable: true })
  revokedAt!: string | null;

  @Column('varchar', { name: 'revoked_reason', length: 64, nullable: true })
  revokedReason!: string | null;
}
