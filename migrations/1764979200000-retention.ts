import { randomUUID } from 'node:crypto';
import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

const text = (name: string, length: number, isNullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});

/**
 * The policies a new installation starts with (docs/retention.md): days per data type. Audit
 * rows also stay at least `retention.audit_min_days` (365 by default), whatever the policy says.
 */
const DEFAULT_POLICIES: [string, number][] = [
  ['logs', 30],
  ['activity', 90],
  ['audit', 365],
  ['metrics', 30],
  ['notifications', 90],
  ['sessions', 30],
  ['installations', 30],
  ['backups', 90],
];

/**
 * Retention policies per data type (seeded with the defaults), the audit chain anchor, and the
 * index query_audit_log needs by action and time.
 */
export class Retention1764979200000 implements MigrationInterface {
  name = 'Retention1764979200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'retention_policies',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('data_type', 32),
          { name: 'retention_days', type: 'integer' },
          { name: 'enabled', type: 'boolean' },
          text('created_at', 30),
          text('updated_at', 30),
          text('last_run_at', 30, true),
          { name: 'last_run_rows', type: 'integer', isNullable: true },
        ],
        uniques: [{ name: 'uq_retention_policies_data_type', columnNames: ['data_type'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_anchor',
        columns: [
          { ...text('id', 16), isPrimary: true },
          { name: 'seq', type: 'integer' },
          text('hash', 64),
          { name: 'purged_count', type: 'integer' },
          text('purged_at', 30),
          text('signature', 64),
        ],
      }),
    );
    // query_audit_log by action and time, newest first, from the index (the one on action alone
    // made the database sort every row of the action).
    await queryRunner.dropIndex('audit_log', 'idx_audit_log_action');
    await queryRunner.createIndex(
      'audit_log',
      new TableIndex({
        name: 'idx_audit_log_action_timestamp',
        columnNames: ['action', 'timestamp', 'seq'],
      }),
    );
    // Data, not schema: plain INSERTs with the driver's placeholders (not the entity, which may
    // change after this migration).
    const driver = queryRunner.connection.driver;
    const enabled: unknown = driver.preparePersistentValue(true, {
      type: 'boolean',
    } as ColumnMetadata);
    const now = new Date().toISOString();
    for (const [dataType, days] of DEFAULT_POLICIES) {
      const [sql, parameters] = driver.escapeQueryWithParameters(
        'INSERT INTO retention_policies (id, data_type, retention_days, enabled, created_at, updated_at) VALUES (:id, :dataType, :days, :enabled, :now, :now)',
        { id: randomUUID(), dataType, days, enabled, now },
      );
      await queryRunner.query(sql, parameters);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('audit_log', 'idx_audit_log_action_timestamp');
    await queryRunner.createIndex(
      'audit_log',
      new TableIndex({ name: 'idx_audit_log_action', columnNames: ['action'] }),
    );
    await queryRunner.dropTable('audit_anchor');
    await queryRunner.dropTable('retention_policies');
  }
}
