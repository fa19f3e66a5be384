import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * update_app: the generation of an installation's containers (a new set per update, the old one
 * kept until the new one is healthy) and the update under way, for recovery after a restart.
 */
export class InstallationUpdates1764547200000 implements MigrationInterface {
  name = 'InstallationUpdates1764547200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('installed_apps', [
      new TableColumn({ name: 'generation', type: 'integer', default: 0 }),
      new TableColumn({ name: 'update_target', type: 'text', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('installed_apps', 'update_target');
    await queryRunner.dropColumn('installed_apps', 'generation');
  }
}
