import { Injectable } from '@nestjs/common';
import { Mutex } from 'async-mutex';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs write transactions one at a time. SQLite has a single writer and TypeORM's SQLite
 * drivers share one connection, so two interleaved transactions would nest; the mutex makes
 * each transaction whole. Every write goes through here.
 */
@Injectable()
export class TransactionRunner {
  private readonly mutex = new Mutex();
  private ended = 0;

  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(async () => {
      try {
        return await this.dataSource.transaction(work);
      } finally {
        this.ended++;
      }
    });
  }

  /**
   * Runs `work` with every writer held out (no transaction is open while it runs), e.g. to
   * replace the database file: close the DataSource, swap, initialize it again. Counts as a
   * write, so rows read before it are known stale afterwards.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(async () => {
      try {
        return await work();
      } finally {
        this.ended++;
      }
    });
  }

  /**
   * Changes each time a write transaction ends (committed or rolled back). A row this process
   * read while the version had a value is still what the database holds while it has that
   * value, since every write goes through here.
   */
  get version(): number {
    return this.ended;
  }
}
