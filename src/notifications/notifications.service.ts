import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../auth/users.service';
import { Actor, principalOf } from '../common/auth/principal';
import type { Page } from '../common/dto/pagination.dto';
import { notFound } from '../common/errors/domain-error';
import { EventBus } from '../common/events/event-bus';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { SettingsService } from '../settings/settings.service';
import { NotificationChannelsService } from './channels/notification-channels.service';
import type { GetNotificationsDto, NotificationIdDto } from './dto/notification.dto';
import { NotificationEntity, severityAtLeast } from './entities/notification.entity';
import type { NotificationDraft } from './notification-types';
import { NotificationView, toNotificationView } from './notifications.views';

/**
 * Notifications of each user: raised from domain events (NotificationRules), read and cleared by
 * their owner only. A caller never reaches another user's notification: its id answers 404.
 */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectRepository(NotificationEntity)
    private readonly notifications: Repository<NotificationEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: EventBus,
    private readonly users: UsersService,
    private readonly settings: SettingsService,
    private readonly channels: NotificationChannelsService,
  ) {}

  async list(actor: Actor, dto: GetNotificationsDto): Promise<Page<NotificationView>> {
    const userId = principalOf(actor).userId;
    const where = dto.unread_only ? { userId, read: false } : { userId };
    const [rows, total] = await this.notifications.findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'DESC' },
      take: dto.limit ?? 50,
      skip: dto.offset ?? 0,
    });
    return { items: rows.map(toNotificationView), total };
  }

  async unreadCount(actor: Actor): Promise<{ count: number }> {
    const userId = principalOf(actor).userId;
    return { count: await this.notifications.countBy({ userId, read: false }) };
  }

  async markRead(actor: Actor, dto: NotificationIdDto): Promise<NotificationView> {
    const userId = principalOf(actor).userId;
    const row = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(NotificationEntity);
      const found = await repository.findOneBy({ id: dto.notification_id, userId });
      if (!found) throw notFound('Notification', dto.notification_id);
      if (found.read) return found;
      await repository.update({ id: found.id }, { read: true });
      await this.audit.record(
        actor,
        { action: 'notification.read', targetType: 'notification', targetId: found.id },
        manager,
      );
      return { ...found, read: true };
    });
    return toNotificationView(row);
  }

  async markAllRead(actor: Actor): Promise<{ success: true; marked: number }> {
    const userId = principalOf(actor).userId;
    const marked = await this.transactions.run(async (manager) => {
      const result = await manager
        .getRepository(NotificationEntity)
        .update({ userId, read: false }, { read: true });
      const affected = result.affected ?? 0;
      if (affected > 0) {
        await this.audit.record(
          actor,
          {
            action: 'notification.all_read',
            targetType: 'user',
            targetId: userId,
            details: { marked: affected },
          },
          manager,
        );
      }
      return affected;
    });
    return { success: true, marked };
  }

  async dismiss(actor: Actor, dto: NotificationIdDto): Promise<{ success: true }> {
    const userId = principalOf(actor).userId;
    await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(NotificationEntity);
      const found = await repository.findOneBy({ id: dto.notification_id, userId });
      if (!found) throw notFound('Notification', dto.notification_id);
      await repository.delete({ id: found.id });
      await this.audit.record(
        actor,
        {
          action: 'notification.dismissed',
          targetType: 'notification',
          targetId: found.id,
          details: { type: found.type },
        },
        manager,
      );
    });
    return { success: true };
  }

  /**
   * Stores one notification for each recipient whose `notifications.min_severity` lets it
   * through, announces each after the commit (live push), and hands the event once to the
   * outbound channels (off the caller's path). Returns the ids of the users notified.
   */
  async raise(draft: NotificationDraft): Promise<string[]> {
    const createdAt = nowIso();
    const stored = await this.transactions.run(async (manager) => {
      // Read in the transaction: a user deleted meanwhile is not a failed insert.
      const users = await this.users.activeIds(manager, draft.recipients);
      const rows: NotificationEntity[] = users
        .filter((userId) =>
          severityAtLeast(
            draft.severity,
            this.settings.getForUser(userId, 'notifications.min_severity'),
          ),
        )
        .map((userId) => ({
          id: randomUUID(),
          userId,
          type: draft.type,
          severity: draft.severity,
          title: draft.title.slice(0, 200),
          message: draft.message.slice(0, 2048),
          link: draft.link,
          read: false,
          createdAt,
        }));
      // TypeORM writes what it thinks the database generated back into the objects it inserts
      // (with several rows on SQLite, the wrong ids): it gets copies, the events get the rows.
      if (rows.length) {
        await manager.getRepository(NotificationEntity).insert(rows.map((row) => ({ ...row })));
      }
      return rows;
    });
    for (const row of stored) {
      this.events.emit('notification.created', {
        notificationId: row.id,
        userId: row.userId,
        type: row.type,
        severity: row.severity,
        title: row.title,
        message: row.message,
        link: row.link,
        createdAt: row.createdAt,
      });
    }
    this.channels.dispatch({
      id: randomUUID(),
      type: draft.type,
      severity: draft.severity,
      title: draft.title,
      message: draft.message,
      link: draft.link,
      created_at: createdAt,
    });
    return stored.map((row) => row.userId);
  }
}
