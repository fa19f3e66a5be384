import { Global, Module } from '@nestjs/common';
import { RetentionTargets } from './retention-target';

/** Retention policies and the scheduled purge. Modules register their data in RetentionTargets. */
@Global()
@Module({
  providers: [RetentionTargets],
  exports: [RetentionTargets],
})
export class RetentionModule {}
