import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One line of the activity feed: a domain event told in a short sentence (the dashboard shows them). */
@Entity('activity_log')
@Index('idx_activity_log_timestamp', ['timestamp'])
export class ActivityEntryEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column('varchar', { length: 30 })
  timestamp!: string;

  /** The domain event, e.g. installation.status. */
  @Column('varchar', { length: 64 })
  event!: string;

  @Column('varchar', { length: 512 })
  summary!: string;

  @Column('varchar', { name: 'target_type', length: 32, nullable: true })
  targetType!: string | null;

  @Column('varchar', { name: 'target_id', length: 128, nullable: true })
  targetId!: string | null;

  /** The user the event is about, when there is one (a user setting's owner). */
  @Column('varchar', { name: 'actor_id', length: 36, nullable: true })
  actorId!: string | null;
}
