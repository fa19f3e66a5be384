import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionRunner } from '../../database/transaction-runner';
import { METRIC_NAMES, MetricReading } from './metric-names';
import { MetricSampleEntity } from './metric-sample.entity';

/** 2,000 agents every 30 s are 400 rows a second: one transaction a second writes them. */
const FLUSH_INTERVAL_MS = 1000;
/** A burst (every agent reconnecting after a restart reports at once) flushes early. */
const FLUSH_AT_ROWS = 1200;
/** Rows per INSERT statement, well below the bound-parameter limits of SQLite and PostgreSQL. */
const ROWS_PER_STATEMENT = 500;
/** While the database stalls, the buffer holds a few minutes of samples, then drops new ones. */
const MAX_BUFFERED_ROWS = 60_000;

type SampleRow = Omit<MetricSampleEntity, 'server'>;

/**
 * Buffers metric samples and writes them in batches, one transaction per flush, so that many
 * agents cost a write a second rather than a write a sample. Never throws to the caller: a
 * failed write is logged and its samples are lost (metrics are not worth blocking anything).
 */
@Injectable()
export class MetricSampleWriter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('metrics');
  private buffer: SampleRow[] = [];
  private dropped = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private tail: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(private readonly transactions: TransactionRunner) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.closed = true;
    await this.flush();
  }

  add(serverId: string, reading: MetricReading, sampledAtMs: number): void {
    if (this.closed) return;
    if (this.buffer.length + METRIC_NAMES.length > MAX_BUFFERED_ROWS) {
      this.dropped += 1;
      return;
    }
    for (const metric of METRIC_NAMES) {
      this.buffer.push({ serverId, metric, sampledAtMs, value: reading[metric] });
    }
    if (this.buffer.length >= FLUSH_AT_ROWS) void this.flush();
  }

  /** The server is gone: its buffered samples would only fail the foreign key. */
  discardServer(serverId: string): void {
    this.buffer = this.buffer.filter((row) => row.serverId !== serverId);
  }

  /**
   * Writes everything buffered when it is called. Writes run one after another, with at most one
   * waiting (it takes whatever has been buffered by the time it starts). Never rejects.
   */
  flush(): Promise<void> {
    if (!this.queued) {
      this.queued = true;
      this.tail = this.tail.then(() => {
        this.queued = false;
        return this.write();
      });
    }
    return this.tail;
  }

  private async write(): Promise<void> {
    if (this.dropped > 0) {
      this.logger.warn(
        { samples: this.dropped },
        'metric samples dropped: the write buffer is full',
      );
      this.dropped = 0;
    }
    const rows = this.buffer;
    if (rows.length === 0) return;
    this.buffer = [];
    try {
      await this.transactions.run((manager) => insert(manager, rows));
    } catch (error) {
      await this.writePerServer(rows, error);
    }
  }

  /**
   * One bad server (deleted while its samples waited: the foreign key refuses them) must not cost
   * every other server its samples: each server is tried on its own.
   */
  private async writePerServer(rows: SampleRow[], error: unknown): Promise<void> {
    const byServer = new Map<string, SampleRow[]>();
    for (const row of rows) {
      const serverRows = byServer.get(row.serverId);
      if (serverRows) serverRows.push(row);
      else byServer.set(row.serverId, [row]);
    }
    let lost = byServer.size === 1 ? rows.length : 0;
    let cause = error;
    if (byServer.size > 1) {
      for (const serverRows of byServer.values()) {
        try {
          await this.transactions.run((manager) => insert(manager, serverRows));
        } catch (serverError) {
          lost += serverRows.length;
          cause = serverError;
        }
      }
    }
    if (lost > 0) {
      // The message only: the error of a failed INSERT carries every value of the batch.
      const error = cause instanceof Error ? cause.message : String(cause);
      this.logger.warn({ error, rows: lost }, 'could not store metric samples; dropped');
    }
  }
}

async function insert(manager: EntityManager, rows: SampleRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    await manager
      .createQueryBuilder()
      .insert()
      .into(MetricSampleEntity)
      .values(rows.slice(start, start + ROWS_PER_STATEMENT))
      .orIgnore()
      .updateEntity(false)
      .execute();
  }
}
