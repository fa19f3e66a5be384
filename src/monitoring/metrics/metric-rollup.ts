import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../../database/transaction-runner';

export const HOUR_MS = 3_600_000;
/**
 * An hour is rolled up this long after it ended: its last samples have been written by then,
 * even after the sample writer held them through a database stall of a few minutes.
 */
const GRACE_MS = 10 * 60_000;
const INTERVAL_MS = 60_000;
/** Hours rolled up per transaction, so a long backlog never holds the writer for long. */
const CHUNK_MS = 6 * HOUR_MS;

/**
 * Rolls finished hours of `metrics` up into `metrics_hourly` (samples, sum, min, max per series
 * and hour), once a minute and at startup. Progress is the newest hour rolled up: hours are
 * rolled up in order, for every server at once, and samples carry the time Tomo received them,
 * so an hour that is over gets no new samples. Roll-ups never outlive the samples they came
 * from: hours older than the oldest sample left (retention deleted the rest) are dropped.
 */
@Injectable()
export class MetricRollup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('metrics');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  onApplicationBootstrap(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Start of the first hour not rolled up yet (every hour before it is); null when none is. */
  async rolledUntil(): Promise<number | null> {
    const [row] = await this.dataSource.query<{ newest: number | string | null }[]>(
      'SELECT MAX(bucket_ms) AS newest FROM metrics_hourly',
    );
    return row?.newest === null || row?.newest === undefined ? null : Number(row.newest) + HOUR_MS;
  }

  /**
   * How far roll-ups lag behind what they could cover (finished hours with samples), in
   * seconds: about 0 in steady state, large right after an upgrade with a long history.
   */
  async lagSeconds(now = Date.now()): Promise<number> {
    const [row] = await this.dataSource.query<{ oldest: number | string | null }[]>(
      'SELECT MIN(sampled_at_ms) AS oldest FROM metrics',
    );
    if (row?.oldest === null || row?.oldest === undefined) return 0;
    const end = Math.floor((now - GRACE_MS) / HOUR_MS) * HOUR_MS;
    const from = (await this.rolledUntil()) ?? Math.floor(Number(row.oldest) / HOUR_MS) * HOUR_MS;
    return Math.max(0, (end - from) / 1000);
  }

  /** One pass; a pass still running is joined, not doubled. Never rejects. */
  runOnce(now = Date.now()): Promise<void> {
    this.running ??= this.pass(now)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'metric roll-up failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: number): Promise<void> {
    const [oldest] = await this.dataSource.query<{ oldest: number | string | null }[]>(
      'SELECT MIN(sampled_at_ms) AS oldest FROM metrics',
    );
    const oldestHour =
      oldest?.oldest === null || oldest?.oldest === undefined
        ? null
        : Math.floor(Number(oldest.oldest) / HOUR_MS) * HOUR_MS;
    await this.transactions.run((manager) =>
      oldestHour === null
        ? manager.query('DELETE FROM metrics_hourly')
        : manager.query('DELETE FROM metrics_hourly WHERE bucket_ms < ?', [oldestHour]),
    );
    if (oldestHour === null) return;
    const end = Math.floor((now - GRACE_MS) / HOUR_MS) * HOUR_MS;
    let from = Math.max((await this.rolledUntil()) ?? oldestHour, oldestHour);
    while (from < end && !this.stopped) {
      const to = Math.min(end, from + CHUNK_MS);
      await this.transactions.run((manager) =>
        manager.query(
          `INSERT INTO metrics_hourly (server_id, metric, bucket_ms, samples, sum, min, max)
           SELECT server_id, metric, (sampled_at_ms / ${HOUR_MS}) * ${HOUR_MS}, COUNT(*),
                  SUM(value), MIN(value), MAX(value)
           FROM metrics WHERE sampled_at_ms >= ? AND sampled_at_ms < ?
           GROUP BY server_id, metric, (sampled_at_ms / ${HOUR_MS})
           ON CONFLICT DO NOTHING`,
          [from, to],
        ),
      );
      from = to;
    }
  }
}
