import { MigrationInterface, QueryRunner } from 'typeorm';

/** Notifications per user and the outbound notification channels. */
export class Notifications1764806400000 implements MigrationInterface {
  name = 'Notifications1764806400000';

  async up(_queryRunner: QueryRunner): Promise<void> {}

  async down(_queryRunner: QueryRunner): Promise<void> {}
}
