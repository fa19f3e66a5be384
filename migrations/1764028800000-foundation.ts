import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const timestamp = (name: string, isNullable = false) => ({
  name,
  type: 'varchar',
  length: '30',
  isNullable,
});
/** Boolean defaults as each database spells them (SQLite stores booleans as 0/1). */
const booleanDefault = (queryRunner: QueryRunner, value: boolean): string =>
  queryRunner.connection.driver.options.type === 'postgres' ? String(value) : value ? '1' : '0';
const id = (name = 'id') => ({ name, type: 'varchar', length: '36', isPrimary: true });

/** Users, sessions, account locks, API tokens and the audit log. */
export class Foundation1764028800000 implements MigrationInterface {
  name = 'Foundation1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          id(),
          { name: 'username', type: 'varchar', length: '64' },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'password_hash', type: 'varchar', length: '100' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'is_active', type: 'boolean', default: booleanDefault(queryRunner, true) },
          timestamp('created_at'),
          timestamp('updated_at'),
          timestamp('last_login_at', true),
          timestamp('password_changed_at'),
        ],
        uniques: [{ name: 'uq_users_username', columnNames: ['username'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          id(),
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'ip_address', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          timestamp('created_at'),
          timestamp('last_activity_at'),
          timestamp('expires_at'),
          timestamp('revoked_at', true),
          { name: 'revoked_reason', type: 'varchar', length: '64', isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [{ name: 'idx_sessions_user_id', columnNames: ['user_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'account_locks',
        columns: [
          { name: 'username', type: 'varchar', length: '64', isPrimary: true },
          { name: 'failed_attempts', type: 'integer', default: 0 },
          timestamp('locked_until', true),
          timestamp('last_failure_at'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'api_tokens',
        columns: [
          id(),
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'token_prefix', type: 'varchar', length: '16' },
          { name: 'read_only', type: 'boolean', default: booleanDefault(queryRunner, false) },
          timestamp('created_at'),
          timestamp('expires_at', true),
          timestamp('last_used_at', true),
          timestamp('revoked_at', true),
        ],
        foreignKeys: [
          {
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        uniques: [{ name: 'uq_api_tokens_token_hash', columnNames: ['token_hash'] }],
        indices: [{ name: 'idx_api_tokens_user_id', columnNames: ['user_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          id(),
          { name: 'seq', type: 'integer' },
          timestamp('timestamp'),
          { name: 'actor_type', type: 'varchar', length: '16' },
          { name: 'actor_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'actor_name', type: 'varchar', length: '128', isNullable: true },
          { name: 'interface', type: 'varchar', length: '16' },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'target_type', type: 'varchar', length: '32', isNullable: true },
          { name: 'target_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'result', type: 'varchar', length: '16' },
          { name: 'ip_address', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
          { name: 'prev_hash', type: 'varchar', length: '64' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
        uniques: [{ name: 'uq_audit_log_seq', columnNames: ['seq'] }],
      }),
    );
    for (const [name, column] of [
      ['idx_audit_log_timestamp', 'timestamp'],
      ['idx_audit_log_action', 'action'],
      ['idx_audit_log_actor_id', 'actor_id'],
    ] as const) {
      await queryRunner.createIndex('audit_log', new TableIndex({ name, columnNames: [column] }));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_log', 'api_tokens', 'account_locks', 'sessions', 'users']) {
      await queryRunner.dropTable(table);
    }
  }
}
