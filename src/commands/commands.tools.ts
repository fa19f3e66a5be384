import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { McpTool, READ_ONLY } from '../mcp/mcp-tool.decorator';
import { ServerIdDto } from '../servers/dto/server.dto';
import { REACHES_SERVER } from '../servers/servers.tools';
import { CommandsService } from './commands.service';
import { COMMAND_RESULT_SCHEMA, EXECUTION_METHODS_SCHEMA } from './commands.views';
import { ExecuteCommandDto } from './dto/execute-command.dto';

@Injectable()
export class CommandsTools {
  constructor(private readonly commands: CommandsService) {}

  @McpTool({
    name: 'execute_command',
    description:
      'Run a shell command on a server (through its agent when connected, else SSH) and return its output and exit code. Runs as the server user; may change anything on the server. Audited.',
    access: 'admin',
    toolset: 'servers',
    input: ExecuteCommandDto,
    output: COMMAND_RESULT_SCHEMA,
    annotations: { ...REACHES_SERVER, destructiveHint: true },
  })
  executeCommand(actor: Actor, input: ExecuteCommandDto) {
    return this.commands.execute(actor, input);
  }

  @McpTool({
    name: 'get_execution_methods',
    description:
      'How commands can reach a server now: agent and SSH availability (from the last known state; nothing is contacted) and which one "auto" would use.',
    access: 'readonly',
    toolset: 'servers',
    input: ServerIdDto,
    output: EXECUTION_METHODS_SCHEMA,
    annotations: READ_ONLY,
  })
  getExecutionMethods(_actor: Actor, input: ServerIdDto) {
    return this.commands.methods(input);
  }
}
