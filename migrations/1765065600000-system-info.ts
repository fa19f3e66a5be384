import { MigrationInterface, QueryRunner } from 'typeorm';

/** Component versions (component_versions) and what monitoring needs beyond metrics. */
export class Monitoring1765065600000 implements MigrationInterface {
  name = 'Monitoring1765065600000';

  async up(_queryRunner: QueryRunner): Promise<void> {}

  async down(_queryRunner: QueryRunner): Promise<void> {}
}
