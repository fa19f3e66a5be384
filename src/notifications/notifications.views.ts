import {
  bool,
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import { CHANNEL_KINDS, NotificationChannelEntity } from './entities/notification-channel.entity';
import { NotificationEntity, SEVERITIES } from './entities/notification.entity';

export type NotificationView = ReturnType<typeof toNotificationView>;

export function toNotificationView(row: NotificationEntity) {
  return {
    id: row.id,
    type: row.type,
    severity: row.severity,
    title: row.title,
    message: row.message,
    link: row.link,
    read: Boolean(row.read),
    created_at: row.createdAt,
  };
}

export const NOTIFICATION_SCHEMA = objectSchema({
  id: str('uuid'),
  type: str(),
  severity: enumOf(SEVERITIES),
  title: str(),
  message: str(),
  link: nullable(str()),
  read: bool(),
  created_at: str('date-time'),
});
export const NOTIFICATION_LIST_SCHEMA = listSchema(NOTIFICATION_SCHEMA);
export const UNREAD_COUNT_SCHEMA = objectSchema({ count: int() });
export const MARKED_READ_SCHEMA = objectSchema({ success: bool(), marked: int() });

/** A channel as admins see it: the secret is never returned, only whether one is set. */
export function toChannelView(row: NotificationChannelEntity) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    url: row.url,
    topic: row.topic,
    has_secret: row.secret !== null,
    min_severity: row.minSeverity,
    event_types: row.eventTypes === null ? null : (JSON.parse(row.eventTypes) as string[]),
    enabled: Boolean(row.enabled),
    last_delivery_at: row.lastDeliveryAt,
    last_error: row.lastError,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export const CHANNEL_SCHEMA = objectSchema({
  id: str('uuid'),
  name: str(),
  kind: enumOf(CHANNEL_KINDS),
  url: str(),
  topic: nullable(str()),
  has_secret: bool(),
  min_severity: enumOf(SEVERITIES),
  event_types: nullable({ type: 'array', items: str() }),
  enabled: bool(),
  last_delivery_at: nullable(str('date-time')),
  last_error: nullable(str()),
  created_at: str('date-time'),
  updated_at: str('date-time'),
});
export const CHANNEL_LIST_SCHEMA = listSchema(CHANNEL_SCHEMA);

/** The outcome of one delivery (test_notification_channel). */
export const DELIVERY_SCHEMA = objectSchema({
  success: bool(),
  attempts: int(),
  status_code: nullable(int()),
  error: nullable(str()),
});
