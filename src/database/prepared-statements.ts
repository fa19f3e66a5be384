import { Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import { DataSource } from 'typeorm';

/**
 * better-sqlite3 statements prepared once, on TypeORM's own connection, for the reads every
 * request makes (credential check, current user). A TypeORM query re-runs the query builder,
 * the statement lookup and the query events each time; a kept statement is one native call.
 * Using the same connection keeps these reads consistent with everything TypeORM writes.
 * Reads anywhere; `run` (a write) only inside a TransactionRunner transaction, where it joins
 * the open transaction on the same connection.
 */
@Injectable()
export class PreparedStatements {
  private connection: Database | null = null;
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly dataSource: DataSource) {}

  /** The row of a one-row read, or undefined. */
  get<Row>(sql: string, ...parameters: unknown[]): Row | undefined {
    return this.statement(sql).get(...parameters) as Row | undefined;
  }

  /** Executes a write; call it only inside a TransactionRunner transaction. */
  run(sql: string, ...parameters: unknown[]): void {
    this.statement(sql).run(...parameters);
  }

  /** Whether kept statements can be used: SQLite (better-sqlite3) only. */
  get available(): boolean {
    return this.dataSource.options.type === 'better-sqlite3';
  }

  private statement(sql: string): Statement {
    const connection = (this.dataSource.driver as { databaseConnection?: Database })
      .databaseConnection;
    if (!connection) throw new Error('The database connection is not open.');
    // A re-initialised data source has a new connection; statements of the old one are dead.
    if (connection !== this.connection) {
      this.statements.clear();
      this.connection = connection;
    }
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = connection.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
