import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../common/events/domain-events';
import { SettingsService } from '../settings/settings.service';
import { BackupService } from './backup.service';

/** How often the schedule looks whether a backup is due (settings are read at each look). */
const TICK_MS = 60_000;

export type ScheduleOutcome = 'disabled' | 'not-due' | 'created' | 'busy' | 'failed';

/**
 * Scheduled backups: when `backup.schedule_enabled`, one every `backup.interval_hours` (counted
 * from the newest scheduled backup), encrypted with `backup.schedule_passphrase` when set; then
 * only the newest `backup.keep` scheduled backups are kept (manual, uploaded and pre-restore
 * ones are never deleted by the schedule). A plain timer; a failed run is logged and retried at
 * the next tick. A change of a `backup.*` setting is looked at at once.
 */
@Injectable()
export class BackupSchedule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('backup');
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly settings: SettingsService,
    private readonly backups: BackupService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  @OnEvent('setting.changed')
  onSettingChanged(event: DomainEvents['setting.changed']): void {
    if (event.scope === 'system' && event.key.startsWith('backup.')) void this.tick();
  }

  /** One look at the schedule at time `now` (ms). */
  async tick(now = Date.now()): Promise<ScheduleOutcome> {
    if (this.running) return 'busy';
    this.running = true;
    try {
      if (!this.settings.get('backup.schedule_enabled')) return 'disabled';
      const intervalMs = this.settings.get('backup.interval_hours') * 3_600_000;
      const [newest] = await this.backups.idsByTrigger('schedule');
      if (newest && now - Date.parse(newest.createdAt) < intervalMs) return 'not-due';
      const passphrase = this.settings.get('backup.schedule_passphrase');
      await this.backups.createScheduled(passphrase ? passphrase : null);
      await this.prune();
      return 'created';
    } catch (error) {
      this.logger.error(`Scheduled backup failed: ${(error as Error).message}`);
      return 'failed';
    } finally {
      this.running = false;
    }
  }

  /** Deletes scheduled backups beyond the newest `backup.keep`. */
  async prune(): Promise<number> {
    const keep = this.settings.get('backup.keep');
    const scheduled = await this.backups.idsByTrigger('schedule');
    return this.backups.deleteMany(
      scheduled.slice(keep).map((row) => row.id),
      'schedule keep',
    );
  }
}
