import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const text = (name: string, length: number) => ({ name, type: 'varchar', length: String(length) });

/** Installed apps: one row per installation with its manifest, sealed inputs, services and steps. */
export class InstalledApps1764460800000 implements MigrationInterface {
  name = 'InstalledApps1764460800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'installed_apps',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          text('server_id', 36),
          text('app_id', 160),
          text('name', 128),
          text('version', 64),
          text('status', 16),
          { name: 'method', type: 'varchar', length: '8', isNullable: true },
          { name: 'manifest', type: 'text' },
          { name: 'config', type: 'text' },
          { name: 'inputs', type: 'text' },
          { name: 'services', type: 'text' },
          { name: 'steps', type: 'text' },
          { name: 'error', type: 'varchar', length: '2048', isNullable: true },
          text('created_at', 30),
          text('updated_at', 30),
        ],
        indices: [{ name: 'idx_installed_apps_server_id', columnNames: ['server_id'] }],
        foreignKeys: [
          {
            columnNames: ['server_id'],
            referencedTableName: 'servers',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('installed_apps');
  }
}
