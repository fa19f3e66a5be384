import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { UserEntity } from './user.entity';

/** A personal API token; only its SHA-256 hash is stored. */
@Entity('api_tokens')
@Unique('uq_api_tokens_token_hash', ['tokenHash'])
@Index('idx_api_tokens_user_id', ['userId'])
export class ApiTokenEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { name: 'user_id', length: 36 })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column('varchar', { length: 100 })
  name!: string;

  @Column('varchar', { name: 'token_hash', length: 64 })
  tokenHash!: string;

  /** The first characters of the token, enough to recognise it in a list. */
  @Column('varchar', { name: 'token_prefix', length: 16 })
  tokenPrefix!: string;

  @Column('boolean', { name: 'read_only', default: false })
  readOnly!: boolean;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'expires_at', length: 30, nullable: true })
  expiresAt!: string | null;

  @Column('varchar', { name: 'last_used_at', length: 30, nullable: true })
  lastUsedAt!: string | null;

  @Column('varchar', { name: 'revoked_at', length: 30, nullable: true })
  revokedAt!: string | null;
}
