import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ServersService } from './servers.service';

/** Servers probed at once by the periodic check. */
const PARALLEL_CHECKS = 4;

/**
 * Re-tests every server every SERVER_CHECK_INTERVAL_SECONDS so that `status` and
 * `last_seen_at` stay true without anyone asking. A round that is still running when the next
 * one is due is not doubled.
 */
@Injectable()
export class ServerStatusMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ServerStatusMonitor.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly servers: ServersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.serverCheckIntervalSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => void this.checkAll(), seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round over every server; resolves when all were probed. */
  checkAll(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
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
