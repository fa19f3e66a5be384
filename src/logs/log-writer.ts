import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { LOG_TEE } from '../common/logging/pino-options';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { LogEntryEntity } from './log-entry.entity';
import { isAccessLine, LogRow, toLogRow } from './log-line';

const FLUSH_INTERVAL_MS = 1000;
/** Lines held between flushes; beyond it new lines are dropped and counted. */
const MAX_BUFFERED_LINES = 10_000;
/** Rows per INSERT statement (6 parameters each, far below the bound-parameter limits). */
const ROWS_PER_STATEMENT = 500;

/**
 * Persists the application's log events: the logger hands each line (info and above) to
 * `offer`, which only queues it; about once a second the queue is written in one transaction.
 * It never logs through the logger (that would feed itself): its own trouble goes to stderr,
 * and lines dropped on a full queue become one warning row.
 */
@Injectable()
export class LogWriter implements OnModuleInit, OnModuleDestroy {
  private buffer: string[] = [];
  private dropped = 0;
  private timer?: NodeJS.Timeout;
  private detach?: () => void;
  private closed = false;
  private tail: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(private readonly transactions: TransactionRunner) {}

  onModuleInit(): void {
    this.detach = LOG_TEE.attach((line) => this.offer(line));
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.detach?.();
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
  }

  /** Queues one logger line; O(1), never throws. */
  offer(line: string): void {
    if (this.closed || isAccessLine(line)) return;
    if (this.buffer.length >= MAX_BUFFERED_LINES) {
      this.dropped++;
      return;
    }
    this.buffer.push(line);
  }

  /** Writes what is queued; one write at a time, at most one waiting. Never rejects. */
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
    const lines = this.buffer;
    this.buffer = [];
    const rows: LogRow[] = [];
    for (const line of lines) {
      const row = toLogRow(line);
      if (row) rows.push(row);
    }
    if (this.dropped > 0) {
      rows.push({
        timestamp: nowIso(),
        level: 'warn',
        source: 'logs',
        message: `${this.dropped} log events were dropped: more came in a second than the log table takes`,
        context: JSON.stringify({ dropped: this.dropped }),
        requestId: null,
      });
      this.dropped = 0;
    }
    if (rows.length === 0) return;
    try {
      await this.transactions.run(async (manager) => {
        for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
          await manager
            .createQueryBuilder()
            .insert()
            .into(LogEntryEntity)
            .values(rows.slice(start, start + ROWS_PER_STATEMENT))
            .updateEntity(false)
            .execute();
        }
      });
    } catch (error) {
      // Not through the logger: a failing write would log, and that line would fail again.
      process.stderr.write(
        `tomo: ${rows.length} log events could not be stored: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`,
      );
    }
  }
}
