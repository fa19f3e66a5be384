import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const text = (name: string, length: number, isNullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});

/** System and user settings and the settings audit trail (settings_audit, checksum-chained). */
export class Settings1764633600000 implements MigrationInterface {
  name = 'Settings1764633600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'system_settings',
        columns: [
          { ...text('key', 128), isPrimary: true },
          { name: 'value', type: 'text' },
          { name: 'version', type: 'integer' },
          text('updated_at', 30),
          text('updated_by', 128),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'user_settings',
        columns: [
          { ...text('user_id', 36), isPrimary: true },
          { ...text('key', 128), isPrimary: true },
          { name: 'value', type: 'text' },
          { name: 'version', type: 'integer' },
          text('updated_at', 30),
          text('updated_by', 128),
        ],
        foreignKeys: [
          {
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'settings_audit',
        columns: [
          { ...text('id', 36), isPrimary: true },
          { name: 'seq', type: 'integer' },
          text('setting_scope', 8),
          text('setting_key', 128),
          text('user_id', 36, true),
          { name: 'old_value', type: 'text', isNullable: true },
          { name: 'new_value', type: 'text', isNullable: true },
          text('changed_by', 128),
          text('timestamp', 30),
          text('checksum', 64),
        ],
        uniques: [{ name: 'uq_settings_audit_seq', columnNames: ['seq'] }],
        indices: [{ name: 'idx_settings_audit_key', columnNames: ['setting_key'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('settings_audit');
    await queryRunner.dropTable('user_settings');
    await queryRunner.dropTable('system_settings');
  }
}
