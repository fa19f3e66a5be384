import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const text = (name: string, length: number) => ({ name, type: 'varchar', length: String(length) });

/** Backups of the database (backups): one row per backup file in `<data directory>/backups/`. */
export class Backups1764892800000 implements MigrationInterface {
  name = 'Backups1764892800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'backups',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { ...text('filename', 128), isUnique: true },
          { name: 'size_bytes', type: 'integer' },
          text('sha256', 64),
          { name: 'encrypted', type: 'boolean' },
          { name: 'includes_key', type: 'boolean' },
          text('trigger', 16),
          { name: 'note', type: 'varchar', length: '500', isNullable: true },
          text('app_version', 64),
          text('schema_version', 128),
          text('created_at', 30),
          { name: 'created_by', type: 'varchar', length: '36', isNullable: true },
        ],
        indices: [{ name: 'idx_backups_created_at', columnNames: ['created_at'] }],
        foreignKeys: [
          {
            columnNames: ['created_by'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('backups');
  }
}
