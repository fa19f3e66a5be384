import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../../common/events/domain-events';
import { ADMINS, EVERYONE } from './live-event';
import { LiveEventsGateway } from './live-events.gateway';

/**
 * Domain events that become live events. Installations, agents and servers can be read by every
 * role (check_status, get_agent_status, get_server are readonly), so every signed-in user gets
 * them; per-user events (notifications) name their user; backups are for admins only.
 */
@Injectable()
export class DomainToLiveListener {
  constructor(private readonly gateway: LiveEventsGateway) {}

  @OnEvent('installation.progress')
  onInstallationProgress(event: DomainEvents['installation.progress']): void {
    this.gateway.publish({
      event: 'installation.progress',
      audience: EVERYONE,
      data: {
        installation_id: event.installationId,
        server_id: event.serverId,
        progress: event.progress,
        total: event.total,
        message: event.message,
      },
    });
  }

  @OnEvent('installation.status')
  onInstallationStatus(event: DomainEvents['installation.status']): void {
    this.gateway.publish({
      event: 'installation.status',
      audience: EVERYONE,
      data: {
        installation_id: event.installationId,
        server_id: event.serverId,
        app_id: event.appId,
        status: event.status,
        error: event.error,
      },
    });
  }

  @OnEvent('agent.status_changed')
  onAgentStatus(event: DomainEvents['agent.status_changed']): void {
    this.gateway.publish({
      event: 'agent.status',
      audience: EVERYONE,
      data: { agent_id: event.agentId, server_id: event.serverId, status: event.status },
    });
  }

  @OnEvent('notification.created')
  onNotificationCreated(event: DomainEvents['notification.created']): void {
    this.gateway.publish({
      event: 'notification.created',
      audience: { kind: 'user', userId: event.userId },
      data: {
        id: event.notificationId,
        type: event.type,
        severity: event.severity,
        title: event.title,
        message: event.message,
        link: event.link,
        read: false,
        created_at: event.createdAt,
      },
    });
  }

  @OnEvent('backup.status')
  onBackupStatus(event: DomainEvents['backup.status']): void {
    this.gateway.publish({
      event: 'backup.status',
      audience: ADMINS,
      data: {
        backup_id: event.backupId,
        status: event.status,
        trigger: event.trigger,
        filename: event.filename,
        size_bytes: event.sizeBytes,
        error: event.error,
      },
    });
  }

  @OnEvent('server.status_changed')
  onServerStatus(event: DomainEvents['server.status_changed']): void {
    this.gateway.publish({
      event: 'server.status',
      audience: EVERYONE,
      data: {
        server_id: event.serverId,
        status: event.status,
        previous_status: event.previousStatus,
      },
    });
  }
}
