import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../common/events/domain-events';
import { SettingsService } from '../settings/settings.service';
import { ServersService } from './servers.service';

/** Servers probed at once by the periodic check. */
const PARALLEL_CHECKS = 4;
/** While the check is off (0), how often to look whether it was turned on. */
const OFF_POLL_MS = 60_000;

/**
 * Re-tests every server every `servers.check_interval` seconds (read before each wait, and
 * rescheduled at once when the setting changes) so that `status` and `last_seen_at` stay true
 * without anyone asking. A round that is still running when the next one is due is not doubled.
 */
@Injectable()
export class ServerStatusMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ServerStatusMonitor.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly servers: ServersService,
    private readonly settings: SettingsService,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  @OnEvent('setting.changed')
  onSettingChanged(event: DomainEvents['setting.changed']): void {
    if (event.key === 'servers.check_interval' && this.timer) this.schedule();
  }

  /** One round over every server; resolves when all were probed. */
  checkAll(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const seconds = this.settings.get('servers.check_interval');
    this.timer = setTimeout(
      () => {
        if (seconds > 0) void this.checkAll();
        this.schedule();
      },
      seconds > 0 ? seconds * 1000 : OFF_POLL_MS,
    );
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const queue = await this.servers.allIds();
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await this.servers.refreshStatus(id);
        } catch (error) {
          this.logger.warn({ err: error, serverId: id }, 'server status check failed');
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_CHECKS }, worker));
  }
}
