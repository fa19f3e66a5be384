import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * The data root an installation was made with, so that changing the `apps.data_root` setting
 * moves only new installations (older rows have none and follow the setting).
 */
export class InstallationDataRoot1765152000000 implements MigrationInterface {
  name = 'InstallationDataRoot1765152000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'installed_apps',
      new TableColumn({ name: 'data_root', type: 'varchar', length: '255', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('installed_apps', 'data_root');
  }
}
