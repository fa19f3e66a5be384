import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module';
import { AgentsModule } from './agents/agents.module';
import { AuthModule } from './auth/auth.module';
import { BackupModule } from './backup/backup.module';
import { CommandsModule } from './commands/commands.module';
import { EventsModule } from './common/events/events.module';
import { AccessGuard } from './common/http/access.guard';
import { DtoValidationPipe } from './common/http/dto-validation.pipe';
import { ProblemDetailsFilter } from './common/http/problem-details.filter';
import { pinoOptions } from './common/logging/pino-options';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DeploymentModule } from './deployment/deployment.module';
import { LogsModule } from './logs/logs.module';
import { MarketplaceModule } from './marketplace/marketplace.module';
import { McpModule } from './mcp/mcp.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RetentionModule } from './retention/retention.module';
import { ServersModule } from './servers/servers.module';
import { SettingsModule } from './settings/settings.module';

/**
 * The modular monolith: lower modules first (config, database, events ← audit, auth ← …).
 * Nest mounts routes in this order and Express tries them in turn, so the busiest go first:
 * MCP (it depends on no domain module; it finds their tools at init) and then auth.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(pinoOptions(config.logLevel, true)),
        DatabaseModule,
        EventsModule,
        McpModule,
        AuthModule,
        AuditModule,
        LogsModule,
        SettingsModule,
        ServersModule,
        AgentsModule,
        CommandsModule,
        MonitoringModule,
        MarketplaceModule,
        NotificationsModule,
        DeploymentModule,
        RetentionModule,
        BackupModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_PIPE, useClass: DtoValidationPipe },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
