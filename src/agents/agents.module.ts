import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServersModule } from '../servers/servers.module';
import { AGENT_STATUS_SOURCE } from '../servers/agent-status-source';
import { AgentRegistry } from './agent-registry.service';
import { AgentStatusLookup } from './agent-status-source.provider';
import { SettingsService } from '../settings/settings.service';
import { AGENT_SETTINGS, agentSettingsFrom } from './agent-settings';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { AgentsTools } from './agents.tools';
import { AgentRegistrationCodeEntity } from './entities/agent-registration-code.entity';
import { AgentEntity } from './entities/agent.entity';
import { AgentConnections } from './gateway/agent-connections';
import { AgentGateway } from './gateway/agent-gateway';
import { AgentArtifacts } from './install/agent-artifacts';
import { AgentInstaller } from './install/agent-installer.service';

/**
 * Agent registration, the /ws/agent gateway and the connections it holds. Global only to hand the
 * servers module (below it) the agent status of each server without an import cycle.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AgentEntity, AgentRegistrationCodeEntity]), ServersModule],
  controllers: [AgentsController],
  providers: [
    { provide: AGENT_SETTINGS, useFactory: agentSettingsFrom, inject: [SettingsService] },
    AgentRegistry,
    AgentConnections,
    AgentGateway,
    AgentsService,
    AgentsTools,
    AgentArtifacts,
    AgentInstaller,
    { provide: AGENT_STATUS_SOURCE, useClass: AgentStatusLookup },
  ],
  exports: [AgentConnections, AGENT_SETTINGS, AGENT_STATUS_SOURCE],
})
export class AgentsModule {}
