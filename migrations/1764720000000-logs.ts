import { MigrationInterface, QueryRunner } from 'typeorm';

/** Persisted application log events (logs) and the activity feed (activity_log). */
export class Logs1764720000000 implements MigrationInterface {
  name = 'Logs1764720000000';

  async up(_queryRunner: QueryRunner): Promise<void> {}

  async down(_queryRunner: QueryRunner): Promise<void> {}
}
