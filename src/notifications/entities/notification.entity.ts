import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../../auth/entities/user.entity';

export const SEVERITIES = ['info', 'success', 'warning', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Ranks severities, lowest first: `min_severity` keeps a notification whose rank is at least its own. */
export function severityAtLeast(severity: Severity, minimum: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(minimum);
}

/** One notification for one user; dismissing it deletes the row. */
@Entity('notifications')
@Index('idx_notifications_user_created', ['userId', 'createdAt'])
@Index('idx_notifications_created_at', ['createdAt'])
export class NotificationEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { name: 'user_id', length: 36 })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  /** What happened: `app.installed`, `agent.disconnected`, … (NOTIFICATION_TYPES). */
  @Column('varchar', { length: 64 })
  type!: string;

  @Column('varchar', { length: 16 })
  severity!: Severity;

  @Column('varchar', { length: 200 })
  title!: string;

  @Column('varchar', { length: 2048 })
  message!: string;

  /** Where the user can look (a REST path such as `/api/v1/apps/<id>`), or null. */
  @Column('varchar', { length: 512, nullable: true })
  link!: string | null;

  @Column('boolean', { default: false })
  read!: boolean;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;
}
