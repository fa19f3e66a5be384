import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { AgentEntity } from './agent.entity';

/** A one-time registration code, stored as the SHA-256 of its normalised form. */
@Entity('agent_registration_codes')
@Unique('uq_agent_registration_codes_code_hash', ['codeHash'])
@Index('idx_agent_registration_codes_agent_id', ['agentId'])
export class AgentRegistrationCodeEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { name: 'agent_id', length: 36 })
  agentId!: string;

  @ManyToOne(() => AgentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agent_id' })
  agent?: AgentEntity;

  @Column('varchar', { name: 'code_hash', length: 64 })
  codeHash!: string;

  @Column('varchar', { name: 'expires_at', length: 30 })
  expiresAt!: string;

  @Column('varchar', { name: 'used_at', length: 30, nullable: true })
  usedAt!: string | null;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;
}
