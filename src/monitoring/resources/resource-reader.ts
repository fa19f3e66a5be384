import { Inject, Injectable } from '@nestjs/common';
import { AGENT_SETTINGS, AgentSettings } from '../../agents/agent-settings';
import { AgentConnections } from '../../agents/gateway/agent-connections';
import { DomainError } from '../../common/errors/domain-error';
import { ServerConnector } from '../../servers/server-connector';
import type { ServerEntity } from '../../servers/server.entity';
import {
  figuresFromAgent,
  parseResourceOutput,
  RESOURCE_COMMAND,
  ResourceFigures,
} from './resource-reading';

/** The resource command reads /proc and runs df; a server that takes longer is unwell. */
const SSH_TIMEOUT_MS = 15_000;
/** Enough for the command's few KB, whatever the number of network interfaces. */
const SSH_OUTPUT_LIMIT = 256 * 1024;

export interface ResourceSample {
  method: 'agent' | 'ssh';
  figures: ResourceFigures;
  sampledAtMs: number;
}

/**
 * Reads a server's current resource use: from its agent (`system.get_metrics`) when one is
 * connected, else with one command over the pooled SSH connection. Used by get_resource_usage
 * and by the periodic SSH probe of servers without an agent.
 */
@Injectable()
export class ResourceReader {
  constructor(
    private readonly connections: AgentConnections,
    private readonly connector: ServerConnector,
    @Inject(AGENT_SETTINGS) private readonly agentSettings: AgentSettings,
  ) {}

  hasAgent(serverId: string): boolean {
    return this.connections.forServer(serverId) !== undefined;
  }

  async read(serverId: string): Promise<ResourceSample> {
    const connection = this.connections.forServer(serverId);
    if (!connection) return this.viaSsh(serverId);
    const answer = await connection.request<unknown>(
      'system.get_metrics',
      undefined,
      this.agentSettings.requestTimeoutSeconds * 1000,
    );
    try {
      return { method: 'agent', figures: figuresFromAgent(answer), sampledAtMs: Date.now() };
    } catch (error) {
      throw new DomainError(
        'AGENT_ERROR',
        `The agent answered system.get_metrics with something unreadable (${(error as Error).message}).`,
      );
    }
  }

  /** One command over SSH; SSH failures come back as SSH_UNREACHABLE, SSH_AUTH_FAILED… */
  async viaSsh(serverId: string, server?: ServerEntity): Promise<ResourceSample> {
    const result = await this.connector.run(serverId, RESOURCE_COMMAND, {
      timeoutMs: SSH_TIMEOUT_MS,
      outputLimitBytes: SSH_OUTPUT_LIMIT,
      server,
    });
    if (result.timedOut) {
      throw new DomainError(
        'TIMEOUT',
        `Reading resource use over SSH took longer than ${SSH_TIMEOUT_MS / 1000} s.`,
      );
    }
    try {
      return {
        method: 'ssh',
        figures: parseResourceOutput(result.output),
        sampledAtMs: Date.now(),
      };
    } catch (error) {
      throw new DomainError(
        'REMOTE_FAILED',
        `Could not read resource use over SSH (${(error as Error).message}); the server needs /proc, head, cat and df.`,
      );
    }
  }
}
