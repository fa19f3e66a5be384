import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const optional = (name: string, length: number) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: true,
});
const timestamp = (name: string) => ({ name, type: 'varchar', length: '30' });

/** Agents (one per server) and their one-time registration codes. */
export class Agents1764201600000 implements MigrationInterface {
  name = 'Agents1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'agents',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'server_id', type: 'varchar', length: '36' },
          { name: 'status', type: 'varchar', length: '16' },
          optional('version', 64),
          optional('token_hash', 64),
          optional('pending_token_hash', 64),
          optional('previous_token_hash', 64),
          optional('previous_token_expires_at', 30),
          optional('registered_at', 30),
          optional('connected_at', 30),
          optional('last_heartbeat_at', 30),
          optional('ip_address', 64),
          timestamp('created_at'),
          timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_agents_server_id', columnNames: ['server_id'] }],
        indices: [{ name: 'idx_agents_token_hash', columnNames: ['token_hash'] }],
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
    await queryRunner.createTable(
      new Table({
        name: 'agent_registration_codes',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'agent_id', type: 'varchar', length: '36' },
          { name: 'code_hash', type: 'varchar', length: '64' },
          timestamp('expires_at'),
          optional('used_at', 30),
          timestamp('created_at'),
        ],
        uniques: [{ name: 'uq_agent_registration_codes_code_hash', columnNames: ['code_hash'] }],
        indices: [{ name: 'idx_agent_registration_codes_agent_id', columnNames: ['agent_id'] }],
        foreignKeys: [
          {
            columnNames: ['agent_id'],
            referencedTableName: 'agents',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('agent_registration_codes');
    await queryRunner.dropTable('agents');
  }
}
