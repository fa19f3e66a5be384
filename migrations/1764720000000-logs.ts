import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const text = (name: string, length: number, isNullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});
const serial = {
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment' as const,
};

/**
 * The substring search of query_logs on SQLite: an FTS5 trigram index over logs.message (an
 * external-content table: it stores no copy of the messages), kept in step by triggers. FTS5
 * tables and triggers have no TypeORM schema API, hence the SQL; other databases search with
 * LIKE and need none of it.
 */
const SQLITE_SEARCH_UP = [
  "CREATE VIRTUAL TABLE logs_fts USING fts5(message, content='logs', content_rowid='id', tokenize='trigram')",
  'CREATE TRIGGER logs_fts_insert AFTER INSERT ON logs BEGIN INSERT INTO logs_fts(rowid, message) VALUES (new.id, new.message); END',
  "CREATE TRIGGER logs_fts_delete AFTER DELETE ON logs BEGIN INSERT INTO logs_fts(logs_fts, rowid, message) VALUES ('delete', old.id, old.message); END",
  "CREATE TRIGGER logs_fts_update AFTER UPDATE OF message ON logs BEGIN INSERT INTO logs_fts(logs_fts, rowid, message) VALUES ('delete', old.id, old.message); INSERT INTO logs_fts(rowid, message) VALUES (new.id, new.message); END",
];
const SQLITE_SEARCH_DOWN = [
  'DROP TRIGGER IF EXISTS logs_fts_update',
  'DROP TRIGGER IF EXISTS logs_fts_delete',
  'DROP TRIGGER IF EXISTS logs_fts_insert',
  'DROP TABLE IF EXISTS logs_fts',
];

const isSqlite = (queryRunner: QueryRunner): boolean =>
  queryRunner.connection.options.type === 'better-sqlite3';

/** Persisted application log events (logs) and the activity feed (activity_log). */
export class Logs1764720000000 implements MigrationInterface {
  name = 'Logs1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'logs',
        columns: [
          serial,
          text('timestamp', 30),
          text('level', 8),
          text('source', 128),
          { name: 'message', type: 'text' },
          { name: 'context', type: 'text', isNullable: true },
          text('request_id', 64, true),
        ],
        indices: [
          { name: 'idx_logs_timestamp', columnNames: ['timestamp'] },
          { name: 'idx_logs_level', columnNames: ['level'] },
          { name: 'idx_logs_source', columnNames: ['source'] },
          { name: 'idx_logs_source_level', columnNames: ['source', 'level'] },
        ],
      }),
    );
    if (isSqlite(queryRunner)) {
      for (const statement of SQLITE_SEARCH_UP) await queryRunner.query(statement);
    }
    await queryRunner.createTable(
      new Table({
        name: 'activity_log',
        columns: [
          serial,
          text('timestamp', 30),
          text('event', 64),
          text('summary', 512),
          text('target_type', 32, true),
          text('target_id', 128, true),
          text('actor_id', 36, true),
        ],
        indices: [{ name: 'idx_activity_log_timestamp', columnNames: ['timestamp'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('activity_log');
    if (isSqlite(queryRunner)) {
      for (const statement of SQLITE_SEARCH_DOWN) await queryRunner.query(statement);
    }
    await queryRunner.dropTable('logs');
  }
}
