import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../../common/events/domain-events';
import { parseMetricsUpdate } from './metrics-update';
import { MetricsService } from './metrics.service';

/**
 * Stores the `metrics.update` notifications of agents (AGENT_PROTOCOL §5) as samples of their
 * server. Params are checked here, at the edge; a bad sample costs one warning, never an
 * exception into the event emitter.
 */
@Injectable()
export class AgentMetricsListener {
  private readonly logger = new Logger('metrics');

  constructor(private readonly metrics: MetricsService) {}

  @OnEvent('agent.notification')
  onAgentNotification(event: DomainEvents['agent.notification']): void {
    if (event.method !== 'metrics.update') return;
    try {
      const parsed = parseMetricsUpdate(event.params);
      if (!parsed.ok) {
        this.logger.warn(
          { agentId: event.agentId, serverId: event.serverId, problems: parsed.problems },
          'agent sent a malformed metrics.update; sample ignored',
        );
        return;
      }
      this.metrics.record(event.serverId, parsed.reading);
    } catch (error) {
      this.logger.error({ err: error, agentId: event.agentId }, 'could not record agent metrics');
    }
  }

  @OnEvent('server.removed')
  onServerRemoved(event: DomainEvents['server.removed']): void {
    this.metrics.forgetServer(event.serverId);
  }
}
