import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { ServerEntity } from '../../servers/server.entity';

export const AGENT_STATUSES = ['pending', 'connected', 'disconnected', 'revoked'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/**
 * The agent of one server. Token columns hold SHA-256 hashes only: the current token, one being
 * rotated in (pending until the agent confirms), and the previous one during its grace period.
 */
@Entity('agents')
@Unique('uq_agents_server_id', ['serverId'])
@Index('idx_agents_token_hash', ['tokenHash'])
export class AgentEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { name: 'server_id', length: 36 })
  serverId!: string;

  @ManyToOne(() => ServerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'server_id' })
  server?: ServerEntity;

  @Column('varchar', { length: 16 })
  status!: AgentStatus;

  @Column('varchar', { length: 64, nullable: true })
  version!: string | null;

  @Column('varchar', { name: 'token_hash', length: 64, nullable: true })
  tokenHash!: string | null;

  @Column('varchar', { name: 'pending_token_hash', length: 64, nullable: true })
  pendingTokenHash!: string | null;

  @Column('varchar', { name: 'previous_token_hash', length: 64, nullable: true })
  previousTokenHash!: string | null;

  @Column('varchar', { name: 'previous_token_expires_at', length: 30, nullable: true })
  previousTokenExpiresAt!: string | null;

  @Column('varchar', { name: 'registered_at', length: 30, nullable: true })
  registeredAt!: string | null;

  @Column('varchar', { name: 'connected_at', length: 30, nullable: true })
  connectedAt!: string | null;

  @Column('varchar', { name: 'last_heartbeat_at', length: 30, nullable: true })
  lastHeartbeatAt!: string | null;

  @Column('varchar', { name: 'ip_address', length: 64, nullable: true })
  ipAddress!: string | null;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;
}
