import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../../common/events/domain-events';
import { EVERYONE } from './live-event';
import { LiveEventsGateway } from './live-events.gateway';

/**
 * Domain events that become live events. Installations, agents and servers can be read by every
 * role (check_status, get_agent_status, get_server are readonly), so every signed-in user gets
 * them; per-user events (notifications) name their user.
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
