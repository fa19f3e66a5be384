import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { DESTRUCTIVE, IDEMPOTENT_WRITE, McpTool, READ_ONLY } from '../mcp/mcp-tool.decorator';
import { GetNotificationsDto, NotificationIdDto } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';
import {
  MARKED_READ_SCHEMA,
  NOTIFICATION_LIST_SCHEMA,
  NOTIFICATION_SCHEMA,
  UNREAD_COUNT_SCHEMA,
} from './notifications.views';

@Injectable()
export class NotificationsTools {
  constructor(private readonly notifications: NotificationsService) {}

  @McpTool({
    name: 'get_notifications',
    description:
      'Your notifications, newest first (app installed/failed/removed, agents, servers, locked accounts, backups).',
    access: 'readonly',
    toolset: 'notifications',
    input: GetNotificationsDto,
    output: NOTIFICATION_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  getNotifications(actor: Actor, input: GetNotificationsDto) {
    return this.notifications.list(actor, input);
  }

  @McpTool({
    name: 'mark_read',
    description: 'Mark one of your notifications as read.',
    access: 'readonly',
    toolset: 'notifications',
    input: NotificationIdDto,
    output: NOTIFICATION_SCHEMA,
    annotations: IDEMPOTENT_WRITE,
  })
  markRead(actor: Actor, input: NotificationIdDto) {
    return this.notifications.markRead(actor, input);
  }

  @McpTool({
    name: 'mark_all_read',
    description: 'Mark all your notifications as read; returns how many were unread.',
    access: 'readonly',
    toolset: 'notifications',
    input: EmptyDto,
    output: MARKED_READ_SCHEMA,
    annotations: IDEMPOTENT_WRITE,
  })
  markAllRead(actor: Actor) {
    return this.notifications.markAllRead(actor);
  }

  @McpTool({
    name: 'dismiss_notification',
    description: 'Delete one of your notifications.',
    access: 'readonly',
    toolset: 'notifications',
    input: NotificationIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  dismissNotification(actor: Actor, input: NotificationIdDto) {
    return this.notifications.dismiss(actor, input);
  }

  @McpTool({
    name: 'get_unread_count',
    description: 'How many of your notifications are unread.',
    access: 'readonly',
    toolset: 'notifications',
    input: EmptyDto,
    output: UNREAD_COUNT_SCHEMA,
    annotations: READ_ONLY,
  })
  getUnreadCount(actor: Actor) {
    return this.notifications.unreadCount(actor);
  }
}
