import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Severity } from './notification.entity';

export const CHANNEL_KINDS = ['webhook', 'ntfy'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** An outbound channel an admin configured: every matching notification is sent to it once. */
@Entity('notification_channels')
export class NotificationChannelEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { length: 128 })
  name!: string;

  @Column('varchar', { length: 16 })
  kind!: ChannelKind;

  @Column('varchar', { length: 2048 })
  url!: string;

  /** Webhook HMAC key or ntfy access token, sealed (SecretBox, the row id as associated data). */
  @Column('text', { nullable: true })
  secret!: string | null;

  /** ntfy topic; null for webhooks. */
  @Column('varchar', { length: 64, nullable: true })
  topic!: string | null;

  @Column('varchar', { name: 'min_severity', length: 16 })
  minSeverity!: Severity;

  /** JSON list of notification types, or null for every type. */
  @Column('text', { name: 'event_types', nullable: true })
  eventTypes!: string | null;

  @Column('boolean')
  enabled!: boolean;

  @Column('varchar', { name: 'last_delivery_at', length: 30, nullable: true })
  lastDeliveryAt!: string | null;

  /** The last delivery's outcome: null when it was delivered. */
  @Column('varchar', { name: 'last_error', length: 1024, nullable: true })
  lastError!: string | null;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;
}
