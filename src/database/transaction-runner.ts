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

  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(() => this.dataSource.transaction(work));
  }
}
