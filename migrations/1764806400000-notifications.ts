import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const timestamp = (name: string, isNullable = false) => ({
  name,
  type: 'varchar',
  length: '30',
  isNullable,
});
/** Boolean defaults as each database spells them (SQLite stores booleans as 0/1). */
const booleanDefault = (queryRunner: QueryRunner, value: boolean): string =>
  queryRunner.connection.driver.options.type === 'postgres' ? String(value) : value ? '1' : '0';

/** Notifications per user and the outbound notification channels. */
export class Notifications1764806400000 implements MigrationInterface {
  name = 'Notifications1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'notifications',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'severity', type: 'varchar', length: '16' },
          { name: 'title', type: 'varchar', length: '200' },
          { name: 'message', type: 'varchar', length: '2048' },
          { name: 'link', type: 'varchar', length: '512', isNullable: true },
          { name: 'read', type: 'boolean', default: booleanDefault(queryRunner, false) },
          timestamp('created_at'),
        ],
        indices: [
          { name: 'idx_notifications_user_created', columnNames: ['user_id', 'created_at'] },
          { name: 'idx_notifications_created_at', columnNames: ['created_at'] },
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
        name: 'notification_channels',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '128' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'secret', type: 'text', isNullable: true },
          { name: 'topic', type: 'varchar', length: '64', isNullable: true },
          { name: 'min_severity', type: 'varchar', length: '16' },
          { name: 'event_types', type: 'text', isNullable: true },
          { name: 'enabled', type: 'boolean' },
          timestamp('last_delivery_at', true),
          { name: 'last_error', type: 'varchar', length: '1024', isNullable: true },
          timestamp('created_at'),
          timestamp('updated_at'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('notification_channels');
    await queryRunner.dropTable('notifications');
  }
}
