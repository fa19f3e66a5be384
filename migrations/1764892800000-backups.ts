import { MigrationInterface, QueryRunner } from 'typeorm';

/** Backups of the database (backups). */
export class Backups1764892800000 implements MigrationInterface {
  name = 'Backups1764892800000';

  async up(_queryRunner: QueryRunner): Promise<void> {}

  async down(_queryRunner: QueryRunner): Promise<void> {}
}
