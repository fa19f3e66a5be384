import { Injectable } from '@nestjs/common';
import { AgentConnections } from '../agents/gateway/agent-connections';
import { DomainError } from '../common/errors/domain-error';
import { CommandRouter } from '../commands/command-router';
import { AgentDriver } from './drivers/agent-driver';
import { CliDriver } from './drivers/cli-driver';
import type { DockerDriver } from './drivers/docker-driver';
import { lastLine } from './drivers/last-line';

const PROBE = `docker version --format '{{.Server.Version}}' 2>&1 || { sudo -n docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && echo SUDO; }`;

/**
 * Opens a server's Docker engine for one operation by the route of the moment: the connected
 * agent's `docker.*` methods, else docker CLI lines over SSH (through `sudo -n` for a non-root
 * user). Checks first that Docker answers, so every operation fails early with a clear message.
 */
@Injectable()
export class ServerDocker {
  constructor(
    private readonly router: CommandRouter,
    private readonly connections: AgentConnections,
  ) {}

  async open(serverId: string): Promise<DockerDriver> {
    const connection = this.connections.forServer(serverId);
    if (connection) {
      const info = await connection.request<{ docker_version?: unknown }>(
        'system.info',
        undefined,
        30_000,
      );
      if (typeof info.docker_version !== 'string' || info.docker_version === '') {
        throw new DomainError(
          'REMOTE_FAILED',
          'Docker does not answer on the server (the agent reaches no Docker engine); verify_docker or install_docker can help.',
        );
      }
      return new AgentDriver(connection, serverId, info.docker_version);
    }
    const run = await this.router.run(serverId, PROBE, 'ssh', { timeoutMs: 30_000 });
    const lines = run.output.trim().split('\n');
    const sudo = lines.at(-1) === 'SUDO';
    const version = sudo ? '' : (lines.at(-1) ?? '');
    if (!sudo && (run.exitCode !== 0 || !/^\d+\.\d+/.test(version))) {
      throw new DomainError(
        'REMOTE_FAILED',
        `Docker does not answer on the server (${lastLine(run.output)}); verify_docker or install_docker can help.`,
      );
    }
    return new CliDriver(this.router, serverId, version, sudo);
  }
}
