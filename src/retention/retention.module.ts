import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RetentionPolicyEntity } from './retention-policy.entity';
import { RetentionScheduler } from './retention-scheduler';
import { RetentionTargets } from './retention-target';
import { RetentionController } from './retention.controller';
import { RetentionService } from './retention.service';
import { RetentionTools } from './retention.tools';

/** Retention policies and the scheduled purge. Modules register their data in RetentionTargets. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([RetentionPolicyEntity])],
  controllers: [RetentionController],
  providers: [RetentionTargets, RetentionService, RetentionScheduler, RetentionTools],
  exports: [RetentionTargets],
})
export class RetentionModule {}
