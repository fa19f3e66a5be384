import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const optional = (name: string, length: number) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: true,
});
const text = (name: string, length: number) => ({ name, type: 'varchar', length: String(length) });

/** Catalog repositories, their apps, and (on SQLite) the FTS5 index search_apps reads. */
export class Marketplace1764374400000 implements MigrationInterface {
  name = 'Marketplace1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'marketplace_repositories',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          text('name', 128),
          text('slug', 64),
          text('url', 2048),
          text('branch', 200),
          text('format', 16),
          optional('detected_format', 16),
          { name: 'enabled', type: 'boolean' },
          optional('last_commit', 64),
          optional('last_synced_at', 30),
          optional('last_sync_error', 1024),
          { name: 'app_count', type: 'integer', default: 0 },
          text('created_at', 30),
          text('updated_at', 30),
        ],
        uniques: [{ name: 'uq_marketplace_repositories_slug', columnNames: ['slug'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'app_catalog',
        columns: [
          { name: 'id', type: 'varchar', length: '160', isPrimary: true },
          text('repository_id', 36),
          text('app_id', 64),
          text('name', 128),
          text('version', 64),
          { name: 'description', type: 'text' },
          text('category', 32),
          { name: 'tags', type: 'text' },
          optional('icon', 2048),
          { name: 'admin_only', type: 'boolean' },
          text('format', 16),
          text('source_path', 1024),
          optional('source_commit', 64),
          { name: 'manifest', type: 'text' },
          text('manifest_sha256', 64),
          { name: 'notes', type: 'text' },
          text('updated_at', 30),
        ],
        indices: [
          { name: 'idx_app_catalog_repository_id', columnNames: ['repository_id'] },
          { name: 'idx_app_catalog_app_id', columnNames: ['app_id'] },
          { name: 'idx_app_catalog_category', columnNames: ['category'] },
        ],
        foreignKeys: [
          {
            columnNames: ['repository_id'],
            referencedTableName: 'marketplace_repositories',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      // FTS5 has no place in TypeORM's schema API; PostgreSQL would use a tsvector index instead.
      await queryRunner.query(
        "CREATE VIRTUAL TABLE app_catalog_fts USING fts5(catalog_id UNINDEXED, name, description, tags, category, tokenize = 'unicode61 remove_diacritics 2')",
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP TABLE app_catalog_fts');
    }
    await queryRunner.dropTable('app_catalog');
    await queryRunner.dropTable('marketplace_repositories');
  }
}
