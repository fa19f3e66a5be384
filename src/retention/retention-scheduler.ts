import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { SYSTEM_ACTOR } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { SettingsService } from '../settings/settings.service';
import { RetentionService } from './retention.service';

const TICK_MS = 60_000;

/**
 * The start of today's scheduled run (UTC) if it is due at `now`: it is the run hour and no run
 * (of any kind) has happened since the hour began. Null when nothing is due. A day whose run hour
 * passed while Tomo was down is skipped: the next day's run deletes what it would have.
 */
export function scheduledRunDue(
  now: Date,
  runAtHour: number,
  lastRunAt: string | null,
): Date | null {
  const slot = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), runAtHour),
  );
  if (now.getUTCHours() !== runAtHour) return null;
  if (lastRunAt && lastRunAt >= slot.toISOString()) return null;
  return slot;
}

/**
 * Runs every enabled policy once a day during the hour `retention.run_at_hour` (UTC) while
 * `retention.schedule_enabled` is on. Both are read at each tick (a change needs no restart);
 * the last run time comes from the policies, so a restart within the hour does not repeat it.
 */
@Injectable()
export class RetentionScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RetentionScheduler.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly retention: RetentionService,
    private readonly settings: SettingsService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One check; runs the policies when the day's run is due. Never rejects. */
  async tick(now = new Date()): Promise<boolean> {
    try {
      if (!this.settings.get('retention.schedule_enabled')) return false;
      const due = scheduledRunDue(
        now,
        this.settings.get('retention.run_at_hour'),
        await this.retention.lastRunAt(),
      );
      if (!due) return false;
      await this.retention.run(SYSTEM_ACTOR, {}, 'schedule');
      return true;
    } catch (error) {
      // A manual run in progress: this tick skips; the next one finds the day done.
      if (error instanceof DomainError && error.code === 'CONFLICT') return false;
      this.logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        'scheduled retention run failed',
      );
      return false;
    }
  }
}
