import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditAnchorEntity } from './audit-anchor.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditPurge } from './audit-purge';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditTools } from './audit.tools';

/** The audit log; every module records its writes through AuditService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntryEntity, AuditAnchorEntity])],
  controllers: [AuditController],
  providers: [AuditService, AuditTools, AuditPurge],
  exports: [AuditService],
})
export class AuditModule {}
