import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { redactText } from '../common/security/redact';
import { CommandRouter, RoutedResult } from '../commands/command-router';

/** How one server's Docker is reached for one operation: the route and whether sudo is needed. */
export interface DockerSession {
  serverId: string;
  method: 'agent' | 'ssh';
  sudo: boolean;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Runs docker CLI command lines (built by docker-cli.ts from quoted argument lists) on a server
 * through the CommandRouter: the agent when it is connected, SSH otherwise — the same lines,
 * labels and results either way. Non-root SSH users go through `sudo -n`.
 */
@Injectable()
export class ServerDocker {
  constructor(private readonly router: CommandRouter) {}

  /** Checks that Docker answers and decides the route and sudo once for an operation. */
  async open(serverId: string): Promise<DockerSession & { version: string }> {
    const probe = `docker version --format '{{.Server.Version}}' 2>&1 || { sudo -n docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && echo SUDO; }`;
    const run = await this.router.run(serverId, probe, 'auto', { timeoutMs: 30_000 });
    const lines = run.output.trim().split('\n');
    const sudo = lines.at(-1) === 'SUDO';
    const version = sudo ? '' : (lines.at(-1) ?? '');
    if (!sudo && (run.exitCode !== 0 || !/^\d+\.\d+/.test(version))) {
      throw new DomainError(
        'REMOTE_FAILED',
        `Docker does not answer on the server (${lastLine(run.output)}); verify_docker or install_docker can help.`,
      );
    }
    return { serverId, method: run.method, sudo, version };
  }

  /** Runs one docker line; a non-zero exit is returned, not thrown (callers decide). */
  async run(
    session: DockerSession,
    line: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<RoutedResult> {
    const command = session.sudo ? `sudo -n ${line}` : line;
    return this.router.run(session.serverId, command, session.method, { timeoutMs });
  }

  /** Runs a plain shell line (no sudo: reading /proc, df) and throws REMOTE_FAILED on failure. */
  async shell(session: DockerSession, line: string, what: string): Promise<string> {
    return this.must({ ...session, sudo: false }, line, what);
  }

  /** Runs one docker line and throws REMOTE_FAILED with Docker's message when it fails. */
  async must(
    session: DockerSession,
    line: string,
    what: string,
    timeoutMs?: number,
  ): Promise<string> {
    const run = await this.run(session, line, timeoutMs);
    if (run.exitCode !== 0 || run.timedOut) {
      throw new DomainError(
        'REMOTE_FAILED',
        `${what} failed: ${run.timedOut ? 'timed out' : lastLine(run.output)}`,
      );
    }
    return run.output;
  }
}

export function lastLine(output: string): string {
  return (
    redactText(output)
      .trim()
      .split('\n')
      .filter((line) => line.trim())
      .slice(-2)
      .join(' | ')
      .slice(-400) || '(no output)'
  );
}
