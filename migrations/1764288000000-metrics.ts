import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Metric samples of each server, one row per series and time (`metrics.update` from agents). */
export class Metrics1764288000000 implements MigrationInterface {
  name = 'Metrics1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'metrics',
        withoutRowid: true,
        columns: [
          { name: 'server_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'metric', type: 'varchar', length: '32', isPrimary: true },
          { name: 'sampled_at_ms', type: 'bigint', isPrimary: true },
          { name: 'value', type: 'double precision' },
        ],
        indices: [{ name: 'idx_metrics_sampled_at', columnNames: ['sampled_at_ms'] }],
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
    await queryRunner.dropTable('metrics');
  }
}
