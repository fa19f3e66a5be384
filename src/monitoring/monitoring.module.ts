import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { SystemService } from './system.service';
import { SystemTools } from './system.tools';

/** Health, version and system information (metrics and dashboards join in a later issue). */
@Module({
  controllers: [HealthController],
  providers: [SystemService, SystemTools],
  exports: [SystemService],
})
export class MonitoringModule {}
