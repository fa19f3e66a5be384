import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { DomainEvents } from '../common/events/domain-events';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { ActivityEntryEntity } from './activity-entry.entity';
import { ActivityEvent, summarize } from './activity-summaries';
import { ActivityView, toActivityView } from './logs.views';

const MAX_RECENT = 500;

/**
 * The activity feed: what happened in the fleet, one short line per domain event (installs,
 * agents and servers coming and going, backups, settings, locked accounts). The only writer of
 * activity_log; the dashboard reads `recent`.
 */
@Injectable()
export class ActivityService {
  private readonly logger = new Logger(ActivityService.name);

  constructor(
    @InjectRepository(ActivityEntryEntity)
    private readonly entries: Repository<ActivityEntryEntity>,
    private readonly transactions: TransactionRunner,
  ) {}

  /** The newest entries, newest first (at most 500). */
  async recent(limit = 20): Promise<ActivityView[]> {
    const rows = await this.entries.find({
      order: { id: 'DESC' },
      take: Math.max(1, Math.min(Math.trunc(limit), MAX_RECENT)),
    });
    return rows.map(toActivityView);
  }

  @OnEvent('installation.status')
  onInstallationStatus(payload: DomainEvents['installation.status']): Promise<void> {
    return this.add('installation.status', payload);
  }

  @OnEvent('agent.status_changed')
  onAgentStatus(payload: DomainEvents['agent.status_changed']): Promise<void> {
    return this.add('agent.status_changed', payload);
  }

  @OnEvent('server.status_changed')
  onServerStatus(payload: DomainEvents['server.status_changed']): Promise<void> {
    return this.add('server.status_changed', payload);
  }

  @OnEvent('server.removed')
  onServerRemoved(payload: DomainEvents['server.removed']): Promise<void> {
    return this.add('server.removed', payload);
  }

  @OnEvent('backup.status')
  onBackupStatus(payload: DomainEvents['backup.status']): Promise<void> {
    return this.add('backup.status', payload);
  }

  @OnEvent('setting.changed')
  onSettingChanged(payload: DomainEvents['setting.changed']): Promise<void> {
    return this.add('setting.changed', payload);
  }

  @OnEvent('account.locked')
  onAccountLocked(payload: DomainEvents['account.locked']): Promise<void> {
    return this.add('account.locked', payload);
  }

  /** Stores one entry; a failure costs the entry, never the emitter. */
  private async add<E extends ActivityEvent>(event: E, payload: DomainEvents[E]): Promise<void> {
    try {
      const row = { ...summarize(event, payload), timestamp: nowIso() };
      await this.transactions.run((manager) =>
        manager.getRepository(ActivityEntryEntity).insert(row),
      );
    } catch (error) {
      this.logger.warn(
        { event, error: error instanceof Error ? error.message : String(error) },
        'could not store an activity entry',
      );
    }
  }
}
