import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const timestamp = (name: string, isNullable = false) => ({
  name,
  type: 'varchar',
  length: '30',
  isNullable,
});
const booleanDefault = (queryRunner: QueryRunner, value: boolean): string =>
  queryRunner.connection.driver.options.type === 'postgres' ? String(value) : value ? '1' : '0';
const optional = (name: string, length: number) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: true,
});

/** The server inventory with sealed SSH credentials and pinned host keys. */
export class Servers1764115200000 implements MigrationInterface {
  name = 'Servers1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'servers',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '128' },
          { name: 'hostname', type: 'varchar', length: '253' },
          { name: 'port', type: 'integer' },
          { name: 'username', type: 'varchar', length: '32' },
          { name: 'auth_type', type: 'varchar', length: '16' },
          { name: 'credential', type: 'text' },
          { name: 'passphrase', type: 'text', isNullable: true },
          { name: 'status', type: 'varchar', length: '32' },
          optional('status_error', 512),
          optional('host_key_fingerprint', 64),
          optional('offered_host_key_fingerprint', 64),
          {
            name: 'docker_installed',
            type: 'boolean',
            default: booleanDefault(queryRunner, false),
          },
          optional('docker_version', 64),
          optional('os', 128),
          optional('arch', 32),
          timestamp('last_seen_at', true),
          timestamp('created_at'),
          timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_servers_endpoint', columnNames: ['hostname', 'port', 'username'] }],
      }),
    );
    await queryRunner.createIndex(
      'servers',
      new TableIndex({ name: 'idx_servers_status', columnNames: ['status'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('servers');
  }
}
