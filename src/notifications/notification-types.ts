import type { Severity } from './entities/notification.entity';

/** Every kind of notification Tomo raises (a channel's `event_types` filter names these). */
export const NOTIFICATION_TYPES = [
  'app.installed',
  'app.failed',
  'app.removed',
  'agent.connected',
  'agent.disconnected',
  'server.unreachable',
  'server.online',
  'server.host_key_changed',
  'account.locked',
  'backup.finished',
  'backup.failed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Who receives a notification: named users and/or every active admin. */
export interface Recipients {
  userIds: string[];
  admins: boolean;
}

/** A notification before it is stored: one per event, copied to each recipient. */
export interface NotificationDraft {
  type: NotificationType;
  severity: Severity;
  title: string;
  message: string;
  link: string | null;
  recipients: Recipients;
}

/** What an outbound channel receives for one event (the webhook's JSON body). */
export interface OutboundNotification {
  id: string;
  type: string;
  severity: Severity;
  title: string;
  message: string;
  link: string | null;
  created_at: string;
}
