import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import type { Actor } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { redactText } from '../../common/security/redact';
import type { ServerIdDto } from '../dto/server.dto';
import { HOST_FACTS_COMMAND, parseDockerVersion, parseHostFacts } from '../host-facts';
import { ServerConnector } from '../server-connector';
import { dockerInstallPlan } from './docker-install-plan';

/** verify_docker → {installed, running, version, api_version, compose_available, error}. */
export interface DockerStatus {
  installed: boolean;
  running: boolean;
  version: string | null;
  api_version: string | null;
  compose_available: boolean;
  error: string | null;
}

export interface DockerInstallResult {
  success: boolean;
  already_installed: boolean;
  steps: { title: string; success: boolean; duration_ms: number; output_tail: string }[];
  docker: DockerStatus;
}

/**
 * Reads the engine's state as the SSH user would, using `sudo -n` when the user is not root
 * and cannot reach the socket. A fixed script: nothing from the caller is interpolated.
 */
const VERIFY_COMMAND = [
  '(',
  "if ! command -v docker >/dev/null 2>&1; then echo 'installed=0'; exit 0; fi;",
  "echo 'installed=1';",
  `printf 'client=%s\\n' "$(docker --version 2>/dev/null)";`,
  'if [ "$(id -u)" = 0 ] || docker info >/dev/null 2>&1; then D=docker;',
  "elif sudo -n true 2>/dev/null; then D='sudo -n docker'; else D=docker; fi;",
  `if out=$($D version --format '{{.Server.Version}}|{{.Server.APIVersion}}' 2>&1); then printf 'server=%s\\n' "$out";`,
  `else printf 'server_error=%s\\n' "$(printf '%s' "$out" | tr '\\n' ' ' | cut -c1-300)"; fi;`,
  'if $D compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1;',
  "then echo 'compose=1'; else echo 'compose=0'; fi",
  ')',
].join(' ');

const VERIFY_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL = 2000;

export function parseDockerStatus(output: string): DockerStatus {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  if (values.get('installed') !== '1') {
    return {
      installed: false,
      running: false,
      version: null,
      api_version: null,
      compose_available: false,
      error: 'Docker is not installed (no docker command on the PATH).',
    };
  }
  const server = values.get('server');
  const [version, apiVersion] = server ? server.split('|') : [];
  const running = Boolean(server && version);
  return {
    installed: true,
    running,
    version: (running ? version : null) ?? parseDockerVersion(values.get('client') ?? ''),
    api_version: running ? (apiVersion ?? null) : null,
    compose_available: values.get('compose') === '1',
    error: running
      ? null
      : `Docker is installed but the daemon does not answer: ${values.get('server_error') ?? 'no reply'}`,
  };
}

@Injectable()
export class DockerService {
  constructor(
    private readonly connector: ServerConnector,
    private readonly audit: AuditService,
  ) {}

  async verify(_actor: Actor, dto: ServerIdDto): Promise<DockerStatus> {
    const run = await this.connector.run(dto.server_id, VERIFY_COMMAND, {
      timeoutMs: VERIFY_TIMEOUT_MS,
    });
    const status = parseDockerStatus(run.output);
    await this.connector.recordFacts(dto.server_id, {
      dockerInstalled: status.installed,
      dockerVersion: status.version,
    });
    return status;
  }

  /**
   * Installs the engine with the OS's package manager, starts it and verifies. Reports a
   * progress step per phase; a server where Docker already runs is left as it is.
   */
  async install(actor: Actor, dto: ServerIdDto): Promise<DockerInstallResult> {
    const progress = actor.progress;
    const total = 5;
    await progress?.(0, total, 'Checking the server');
    const before = await this.verify(actor, dto);
    if (before.installed && before.running) {
      await progress?.(total, total, 'Docker is already installed and running');
      await this.audit.recordOutcome(
        actor,
        'server.docker_installed',
        { type: 'server', id: dto.server_id },
        true,
        { already_installed: true },
      );
      return { success: true, already_installed: true, steps: [], docker: before };
    }
    const factsRun = await this.connector.run(dto.server_id, HOST_FACTS_COMMAND, {
      timeoutMs: VERIFY_TIMEOUT_MS,
    });
    const facts = parseHostFacts(factsRun.output);
    const plan = dockerInstallPlan(facts);
    if (!facts.isRoot) await this.assertSudo(dto.server_id);

    const steps: DockerInstallResult['steps'] = [];
    for (const [index, step] of plan.entries()) {
      await progress?.(index + 1, total, step.title);
      const run = await this.connector.run(dto.server_id, step.command, {
        timeoutMs: step.timeoutMs,
      });
      const success = run.exitCode === 0 && !run.timedOut;
      const tail = redactText(run.output.slice(-OUTPUT_TAIL));
      steps.push({
        title: step.title,
        success,
        duration_ms: Math.round(run.durationMs),
        output_tail: tail,
      });
      if (!success && !step.optional) {
        await this.audit.recordOutcome(
          actor,
          'server.docker_installed',
          { type: 'server', id: dto.server_id },
          false,
          { failed_step: step.title },
        );
        throw new DomainError(
          'REMOTE_FAILED',
          `${step.title} failed (${run.timedOut ? 'timed out' : `exit code ${run.exitCode ?? run.signal ?? 'unknown'}`}): ${lastLines(tail)}`,
          { steps },
        );
      }
    }
    await progress?.(total, total, 'Verifying');
    const after = await this.verify(actor, dto);
    const success = after.installed && after.running;
    await this.audit.recordOutcome(
      actor,
      'server.docker_installed',
      { type: 'server', id: dto.server_id },
      success,
      { version: after.version },
    );
    if (!success) {
      throw new DomainError(
        'REMOTE_FAILED',
        `Docker was installed but does not run: ${after.error ?? 'unknown reason'}`,
        { steps },
      );
    }
    return { success, already_installed: false, steps, docker: after };
  }

  private async assertSudo(serverId: string): Promise<void> {
    const run = await this.connector.run(serverId, 'sudo -n true', { timeoutMs: 15_000 });
    if (run.exitCode !== 0) {
      const server = await this.connector.load(serverId);
      throw new DomainError(
        'REMOTE_FAILED',
        `The SSH user "${server.username}" is not root and cannot use sudo without a password (sudo -n true failed). Connect as root, or allow this user passwordless sudo, then try again.`,
      );
    }
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(-500) || '(no output)';
}
