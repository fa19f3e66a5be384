import { Module } from '@nestjs/common';
import { ServersModule } from '../servers/servers.module';
import { COMMAND_ROUTES } from './command-route';
import { CommandRouter } from './command-router';
import { CommandsController } from './commands.controller';
import { CommandsService } from './commands.service';
import { CommandsTools } from './commands.tools';
import { SshCommandRoute } from './ssh-command-route';

/** execute_command and get_execution_methods over the routes a server has (SSH for now). */
@Module({
  imports: [ServersModule],
  controllers: [CommandsController],
  providers: [
    SshCommandRoute,
    {
      provide: COMMAND_ROUTES,
      useFactory: (ssh: SshCommandRoute) => [ssh],
      inject: [SshCommandRoute],
    },
    CommandRouter,
    CommandsService,
    CommandsTools,
  ],
  exports: [CommandRouter],
})
export class CommandsModule {}
