import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { CommandsModule } from '../commands/commands.module';
import { MarketplaceModule } from '../marketplace/marketplace.module';
import { ServersModule } from '../servers/servers.module';
import { AppsController } from './apps.controller';
import { AppsService } from './apps.service';
import { AppsTools } from './apps.tools';
import { DeploymentEngine } from './deployment-engine';
import { InstalledAppEntity } from './entities/installed-app.entity';
import { InstallationInputs } from './installation-inputs';
import { InstallationsRetention } from './installations-retention';
import { ServerDocker } from './server-docker';

/** Installing apps on servers: plans, the engine, the two routes (agent, SSH) and the lifecycle. */
@Module({
  imports: [
    TypeOrmModule.forFeature([InstalledAppEntity]),
    ServersModule,
    AgentsModule,
    CommandsModule,
    MarketplaceModule,
  ],
  controllers: [AppsController],
  providers: [
    ServerDocker,
    DeploymentEngine,
    InstallationInputs,
    InstallationsRetention,
    AppsService,
    AppsTools,
  ],
  exports: [AppsService],
})
export class DeploymentModule {}
