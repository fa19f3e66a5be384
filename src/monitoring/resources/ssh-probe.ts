import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../../common/events/domain-events';
import { ServersService } from '../../servers/servers.service';
import { SettingsService } from '../../settings/settings.service';
import { MetricsService } from '../metrics/metrics.service';
import { readingOf } from './resource-reading';
import { ResourceReader } from './resource-reader';

/** Servers sampled at once; the rest wait their turn (each sample holds an SSH channel ~¼ s). */
const PARALLEL_PROBES = 4;
/** While the probe is off (0), how often to look whether it was turned on. */
const OFF_POLL_MS = 60_000;
const PAGE = 500;

/**
 * Samples servers that have no connected agent over SSH every `monitoring.ssh_probe_interval`
 * seconds (read before each wait, rescheduled at once when the setting changes; 0 turns it
 * off), so their charts fill like those of servers with an agent. Only servers whose last
 * status is online are probed: the status check brings the others back when they answer. A
 * failure is logged and costs that server its sample, never the loop. A round still running
 * when the next is due is not doubled.
 */
@Injectable()
export class SshProbe implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('metrics');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly servers: ServersService,
    private readonly reader: ResourceReader,
    private readonly metrics: MetricsService,
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
    if (event.key === 'monitoring.ssh_probe_interval' && !this.stopped) this.schedule();
  }

  /** One round over the servers due a probe; resolves when all were sampled. */
  probeAll(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const seconds = this.settings.get('monitoring.ssh_probe_interval');
    this.timer = setTimeout(
      () => {
        if (seconds > 0) void this.probeAll();
        this.schedule();
      },
      seconds > 0 ? seconds * 1000 : OFF_POLL_MS,
    );
    this.timer.unref();
  }

  private async round(): Promise<void> {
    let queue: string[];
    try {
      queue = (await this.onlineServerIds()).filter((id) => !this.reader.hasAgent(id));
    } catch (error) {
      this.logger.warn({ err: error }, 'SSH metrics probe could not list servers');
      return;
    }
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        if (this.stopped) return;
        try {
          const sample = await this.reader.viaSsh(id);
          this.metrics.record(id, readingOf(sample.figures), sample.sampledAtMs);
        } catch (error) {
          this.logger.warn(
            { serverId: id, error: error instanceof Error ? error.message : String(error) },
            'SSH metrics probe failed',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_PROBES }, worker));
  }

  private async onlineServerIds(): Promise<string[]> {
    const ids: string[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.servers.list({ status: 'online', limit: PAGE, offset });
      ids.push(...page.items.map((server) => server.id));
      if (page.items.length < PAGE) return ids;
    }
  }
}
