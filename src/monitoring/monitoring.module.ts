import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthController } from './health.controller';
import { MetricSampleEntity } from './metrics/metric-sample.entity';
import { MetricSampleWriter } from './metrics/metric-sample-writer';
import { AgentMetricsListener } from './metrics/metrics.listener';
import { MetricsService } from './metrics/metrics.service';
import { SystemService } from './system.service';
import { SystemTools } from './system.tools';

/** Health, version, system information and the metric samples agents report. */
@Module({
  imports: [TypeOrmModule.forFeature([MetricSampleEntity])],
  controllers: [HealthController],
  providers: [SystemService, SystemTools, MetricSampleWriter, MetricsService, AgentMetricsListener],
  exports: [SystemService, MetricsService],
})
export class MonitoringModule {}
