import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { DESTRUCTIVE, McpTool, READ_ONLY, WRITE } from '../mcp/mcp-tool.decorator';
import { ServerIdDto } from '../servers/dto/server.dto';
import { AgentsService } from './agents.service';
import { AgentInstaller } from './install/agent-installer.service';
import {
  AGENT_LIST_SCHEMA,
  AGENT_SCHEMA,
  INSTALL_SCHEMA,
  PING_SCHEMA,
  REGISTRATION_SCHEMA,
  ROTATION_SCHEMA,
  UNINSTALL_SCHEMA,
} from './agents.views';
import { ListAgentsDto } from './dto/agent.dto';

@Injectable()
export class AgentsTools {
  constructor(
    private readonly agents: AgentsService,
    private readonly installer: AgentInstaller,
  ) {}

  @McpTool({
    name: 'register_agent',
    description:
      "Create or reset a server's agent and issue a one-time registration code (single use, expires). Returns the command to run on the server. The server's previous code and agent token stop working.",
    access: 'admin',
    toolset: 'agents',
    input: ServerIdDto,
    output: REGISTRATION_SCHEMA,
    annotations: { ...WRITE, destructiveHint: true, idempotentHint: false },
  })
  registerAgent(actor: Actor, input: ServerIdDto) {
    return this.agents.register(actor, input);
  }

  @McpTool({
    name: 'list_agents',
    description: 'List agents, optionally only those with one status.',
    access: 'readonly',
    toolset: 'agents',
    input: ListAgentsDto,
    output: AGENT_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listAgents(_actor: Actor, input: ListAgentsDto) {
    return this.agents.list(input);
  }

  @McpTool({
    name: 'get_agent_status',
    description: "A server's agent: status, version, last heartbeat.",
    access: 'readonly',
    toolset: 'agents',
    input: ServerIdDto,
    output: AGENT_SCHEMA,
    annotations: READ_ONLY,
  })
  getAgentStatus(_actor: Actor, input: ServerIdDto) {
    return this.agents.status(input);
  }

  @McpTool({
    name: 'ping_agent',
    description: "Round trip to a server's connected agent (agent.ping).",
    access: 'user',
    toolset: 'agents',
    input: ServerIdDto,
    output: PING_SCHEMA,
    annotations: { ...READ_ONLY, openWorldHint: true },
  })
  pingAgent(actor: Actor, input: ServerIdDto) {
    return this.agents.ping(actor, input);
  }

  @McpTool({
    name: 'rotate_agent_token',
    description:
      'Give a connected agent a new token; the old one keeps working for a 300 s grace period, then stops.',
    access: 'admin',
    toolset: 'agents',
    input: ServerIdDto,
    output: ROTATION_SCHEMA,
    annotations: { ...WRITE, openWorldHint: true },
  })
  rotateAgentToken(actor: Actor, input: ServerIdDto) {
    return this.agents.rotate(actor, input);
  }

  @McpTool({
    name: 'revoke_agent',
    description:
      "Revoke a server's agent: its tokens and codes stop working and its connection is closed.",
    access: 'admin',
    toolset: 'agents',
    input: ServerIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  revokeAgent(actor: Actor, input: ServerIdDto) {
    return this.agents.revoke(actor, input);
  }

  @McpTool({
    name: 'install_agent',
    description:
      "Install the Tomo agent on a server over SSH: copies the agent (with its own Node.js where the CPU matches), registers it as a systemd service (or a supervised background process without systemd), starts it with a fresh one-time code and waits until it is connected. Replaces the server's previous agent identity. Reports progress.",
    access: 'admin',
    toolset: 'agents',
    input: ServerIdDto,
    output: INSTALL_SCHEMA,
    annotations: { ...WRITE, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  })
  installAgent(actor: Actor, input: ServerIdDto) {
    return this.installer.install(actor, input);
  }

  @McpTool({
    name: 'uninstall_agent',
    description:
      "Stop the agent on a server and remove everything install_agent put there (service, files, state), then forget the server's agent. Commands go over SSH afterwards.",
    access: 'admin',
    toolset: 'agents',
    input: ServerIdDto,
    output: UNINSTALL_SCHEMA,
    annotations: { ...DESTRUCTIVE, openWorldHint: true },
  })
  uninstallAgent(actor: Actor, input: ServerIdDto) {
    return this.installer.uninstall(actor, input);
  }
}
