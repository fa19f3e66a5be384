import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { ServersModule } from '../servers/servers.module';
import { AgentCommandRoute } from './agent-command-route';
import { COMMAND_ROUTES } from './command-route';
import { CommandRouter } from './command-router';
import { CommandsController } from './commands.controller';
import { CommandsService } from './commands.service';
import { CommandsTools } from './commands.tools';
import { SshCommandRoute } from './ssh-command-route';

/** execute_command and get_execution_methods over the routes a server has: agent, then SSH. */
@Module({
  imports: [ServersModule, AgentsModule],
  controllers: [CommandsController],
  providers: [
    SshCommandRoute,
    AgentCommandRoute,
    {
      // Preference order: the agent when connected, SSH otherwise.
      provide: COMMAND_ROUTES,
      useFactory: (agent: AgentCommandRoute, ssh: SshCommandRoute) => [agent, ssh],
      inject: [AgentCommandRoute, SshCommandRoute],
    },
    CommandRouter,
    CommandsService,
    CommandsTools,
  ],
  exports: [CommandRouter],
})
export class CommandsModule {}
