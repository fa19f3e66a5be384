import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * Component versions (component_versions): the version of each part of Tomo, updated at startup;
 * and hourly roll-ups of the metric samples (metrics_hourly) that get_metrics reads at
 * resolutions of whole hours. The `system_info` table of the seed design is not created:
 * everything get_system_info reports is read live (OS, disk, database) or lives in
 * component_versions.
 */
export class Monitoring1765065600000 implements MigrationInterface {
  name = 'Monitoring1765065600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'component_versions',
        columns: [
          { name: 'component', type: 'varchar', length: '64', isPrimary: true },
          { name: 'version', type: 'varchar', length: '128' },
          { name: 'updated_at', type: 'varchar', length: '30' },
          { name: 'details', type: 'text', isNullable: true },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'metrics_hourly',
        withoutRowid: true,
        columns: [
          { name: 'server_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'metric', type: 'varchar', length: '32', isPrimary: true },
          { name: 'bucket_ms', type: 'bigint', isPrimary: true },
          { name: 'samples', type: 'integer' },
          { name: 'sum', type: 'double precision' },
          { name: 'min', type: 'double precision' },
          { name: 'max', type: 'double precision' },
        ],
        indices: [{ name: 'idx_metrics_hourly_bucket', columnNames: ['bucket_ms'] }],
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
    await queryRunner.dropTable('metrics_hourly');
    await queryRunner.dropTable('component_versions');
  }
}
