import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeploymentModule } from '../deployment/deployment.module';
import { LogsModule } from '../logs/logs.module';
import { McpModule } from '../mcp/mcp.module';
import { ServersModule } from '../servers/servers.module';
import { HealthController } from './health.controller';
import { MetricRollup } from './metrics/metric-rollup';
import { MetricSampleEntity } from './metrics/metric-sample.entity';
import { MetricSampleWriter } from './metrics/metric-sample-writer';
import { AgentMetricsListener } from './metrics/metrics.listener';
import { MetricsRetention } from './metrics/metrics-retention';
import { MetricsService } from './metrics/metrics.service';
import { MonitoringController } from './monitoring.controller';
import { MonitoringService } from './monitoring.service';
import { MonitoringTools } from './monitoring.tools';
import { BackendMetrics } from './prometheus/backend-metrics';
import { HttpMetricsMiddleware } from './prometheus/http-metrics.middleware';
import { PrometheusController } from './prometheus/prometheus.controller';
import { ResourceReader } from './resources/resource-reader';
import { SshProbe } from './resources/ssh-probe';
import { ComponentVersionEntity } from './system/component-version.entity';
import { ComponentVersions } from './system/component-versions';
import { DatabaseStats } from './system/database-stats';
import { SystemService } from './system.service';
import { SystemTools } from './system.tools';

/**
 * Health, version, system information, metric samples (from agents and the SSH probe) and their
 * queries, fleet status and dashboard, and the Prometheus endpoint of the backend itself.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([MetricSampleEntity, ComponentVersionEntity]),
    ServersModule,
    DeploymentModule,
    LogsModule,
    McpModule,
  ],
  controllers: [HealthController, MonitoringController, PrometheusController],
  providers: [
    SystemService,
    SystemTools,
    ComponentVersions,
    DatabaseStats,
    MetricSampleWriter,
    MetricsService,
    MetricRollup,
    AgentMetricsListener,
    MetricsRetention,
    ResourceReader,
    SshProbe,
    MonitoringService,
    MonitoringTools,
    BackendMetrics,
  ],
  exports: [SystemService, MetricsService],
})
export class MonitoringModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }
}
