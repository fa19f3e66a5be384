import { Injectable } from '@nestjs/common';
import { AgentConnections } from '../agents/gateway/agent-connections';
import { DomainError } from '../common/errors/domain-error';
import type { ExecResult } from '../servers/ssh/ssh-connection';
import { CommandRoute, RouteAvailability, RouteRunOptions } from './command-route';

interface ExecAnswer {
  stdout?: unknown;
  stderr?: unknown;
  exit_code?: unknown;
}

/** Commands through the server's connected agent (`system.exec`). */
@Injectable()
export class AgentCommandRoute implements CommandRoute {
  readonly method = 'agent' as const;

  constructor(private readonly connections: AgentConnections) {}

  availability(serverId: string): Promise<RouteAvailability> {
    const connected = this.connections.forServer(serverId) !== undefined;
    return Promise.resolve({
      method: 'agent',
      available: connected,
      reason: connected
        ? null
        : 'No agent is connected for this server (install_agent or register_agent sets one up).',
    });
  }

  async run(serverId: string, command: string, options: RouteRunOptions): Promise<ExecResult> {
    const connection = this.connections.forServer(serverId);
    // The socket can close between choosing this route and running on it.
    if (!connection) throw new DomainError('AGENT_DISCONNECTED', 'The agent disconnected.');
    const started = process.hrtime.bigint();
    const timeoutSeconds = Math.ceil(options.timeoutMs / 1000);
    // The agent's own timeout plus 5 s for the answer to travel (AGENT_PROTOCOL §3).
    const answer = await connection.request<ExecAnswer>(
      'system.exec',
      { command, timeout: timeoutSeconds },
      (timeoutSeconds + 5) * 1000,
    );
    const exitCode = typeof answer.exit_code === 'number' ? answer.exit_code : null;
    const stdout = typeof answer.stdout === 'string' ? answer.stdout : '';
    const stderr = typeof answer.stderr === 'string' ? answer.stderr : '';
    const timedOut = exitCode === -1 && /timed out/i.test(stderr);
    return {
      exitCode: timedOut ? null : exitCode,
      signal: null,
      output: stdout + stderr,
      truncated: false,
      timedOut,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
    };
  }
}
