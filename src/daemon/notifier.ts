import type { AgentConfig } from './agent-config';
import { errorMessage, type Logger } from './logger';
import type { Metrics } from './metrics';
import type { Channel } from './rpc-server';
import { AGENT_VERSION } from './version';

export function notification(method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}

export interface NotifierOptions {
  collectMetrics: () => Promise<Metrics>;
  config: () => AgentConfig;
  logger: Logger;
  uptimeSeconds?: () => number;
}

/**
 * The periodic notifications of AGENT_PROTOCOL.md §5 for one connection. Both are sent once at
 * once after the handshake, so the backend has fresh data without waiting a full interval.
 */
export class Notifier {
  private metricsTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private channel: Channel | undefined;
  private collecting = false;

  constructor(private readonly options: NotifierOptions) {}

  start(channel: Channel): void {
    this.stop();
    this.channel = channel;
    this.schedule();
    void this.sendHealth();
    void this.sendMetrics();
  }

  /** After `config.update`: new intervals count from now. */
  reschedule(): void {
    if (this.channel === undefined) return;
    this.schedule();
  }

  stop(): void {
    clearInterval(this.metricsTimer);
    clearInterval(this.healthTimer);
    this.metricsTimer = undefined;
    this.healthTimer = undefined;
    this.channel = undefined;
  }

  private schedule(): void {
    clearInterval(this.metricsTimer);
    clearInterval(this.healthTimer);
    const config = this.options.config();
    this.metricsTimer = setInterval(() => void this.sendMetrics(), config.metrics_interval * 1000);
    this.healthTimer = setInterval(() => void this.sendHealth(), config.health_interval * 1000);
  }

  private send(method: string, params: Record<string, unknown>): void {
    const channel = this.channel;
    if (channel === undefined || !channel.isOpen()) return;
    try {
      channel.send(notification(method, params));
    } catch (err) {
      this.options.logger.warn('notification.failed', { method, error: errorMessage(err) });
    }
  }

  private sendHealth(): Promise<void> {
    const uptime = this.options.uptimeSeconds ?? (() => Math.floor(process.uptime()));
    this.send('health.status', { status: 'healthy', uptime: uptime(), version: AGENT_VERSION });
    return Promise.resolve();
  }

  private async sendMetrics(): Promise<void> {
    // A slow /proc or Docker must not pile up collections behind each other.
    if (this.collecting) return;
    this.collecting = true;
    try {
      const metrics = await this.options.collectMetrics();
      this.send('metrics.update', metrics as unknown as Record<string, unknown>);
    } catch (err) {
      this.options.logger.warn('metrics.failed', { error: errorMessage(err) });
    } finally {
      this.collecting = false;
    }
  }
}
