import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import type { Actor } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { redactText } from '../../common/security/redact';
import { TransactionRunner } from '../../database/transaction-runner';
import type { ServerIdDto } from '../../servers/dto/server.dto';
import { ServerConnector } from '../../servers/server-connector';
import { AgentsService } from '../agents.service';
import type { AgentView } from '../agents.views';
import { AgentRegistrationCodeEntity } from '../entities/agent-registration-code.entity';
import { AgentEntity } from '../entities/agent.entity';
import { AgentConnections } from '../gateway/agent-connections';
import { CLOSE } from '../gateway/agent-gateway';
import { AgentArtifacts } from './agent-artifacts';
import {
  AGENT_HOST_PROBE,
  AgentHost,
  asRoot,
  envFile,
  isLoopbackHost,
  launcherScript,
  logTailScript,
  MIN_NODE_MAJOR,
  nodeArchOf,
  parseAgentHost,
  REMOTE,
  rootShell,
  sha256Script,
  startScript,
  supervisorScript,
  systemdUnit,
  uninstallScript,
  writeFileScript,
} from './agent-install-scripts';

/** How long install_agent waits for the started agent to connect. */
const CONNECT_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 60_000;
/** Copying the runtime (~100 MB) over a slow link. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;
const TOTAL_STEPS = 6;

export interface InstallStep {
  title: string;
  success: boolean;
  duration_ms: number;
}

/** install_agent → how the agent runs on the server, and the agent as it connected. */
export interface AgentInstallResult {
  success: boolean;
  /** `systemd`, or `supervised` (a background shell loop) where systemd is absent. */
  service: 'systemd' | 'supervised';
  /** `bundled`: the backend's own Node.js was copied; `system`: the server's Node.js runs it. */
  runtime: 'bundled' | 'system';
  install_dir: string;
  steps: InstallStep[];
  duration_ms: number;
  agent: AgentView;
}

interface Plan {
  host: AgentHost;
  runtime: 'bundled' | 'system';
  nodePath: string;
}

/**
 * install_agent and uninstall_agent: puts the daemon on a server over SSH, registers it as a
 * service, starts it with a fresh one-time code and waits until it is connected — and takes all
 * of it away again.
 */
@Injectable()
export class AgentInstaller {
  private readonly busy = new Set<string>();

  constructor(
    private readonly connector: ServerConnector,
    private readonly agents: AgentsService,
    private readonly connections: AgentConnections,
    private readonly artifacts: AgentArtifacts,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  install(actor: Actor, dto: ServerIdDto): Promise<AgentInstallResult> {
    return this.exclusive(dto.server_id, () => this.runInstall(actor, dto));
  }

  uninstall(actor: Actor, dto: ServerIdDto): Promise<{ success: boolean; agent_removed: boolean }> {
    return this.exclusive(dto.server_id, () => this.runUninstall(actor, dto));
  }

  private async runInstall(actor: Actor, dto: ServerIdDto): Promise<AgentInstallResult> {
    const serverId = dto.server_id;
    const started = Date.now();
    const steps: InstallStep[] = [];
    const step = async <T>(index: number, title: string, work: () => Promise<T>): Promise<T> => {
      await actor.progress?.(index, TOTAL_STEPS, title);
      const at = Date.now();
      try {
        const result = await work();
        steps.push({ title, success: true, duration_ms: Date.now() - at });
        return result;
      } catch (error) {
        steps.push({ title, success: false, duration_ms: Date.now() - at });
        await this.audit.recordOutcome(actor, 'agent.installed', target(serverId), false, {
          failed_step: title,
          error: error instanceof Error ? error.message.slice(0, 300) : 'unknown',
        });
        throw error instanceof DomainError
          ? new DomainError(error.code, `${title}: ${error.message}`, { ...error.details, steps })
          : error;
      }
    };

    const plan = await step(0, 'Checking the server', () => this.plan(serverId));
    const { host } = plan;
    const nodePath = await step(1, 'Copying the agent', () => this.copy(serverId, plan));
    const registration = await step(2, 'Registering the agent', () =>
      this.agents.register(actor, dto),
    );
    await step(3, `Installing the ${host.systemd ? 'systemd service' : 'supervisor'}`, () =>
      this.writeService(
        serverId,
        host,
        nodePath,
        registration.server_url,
        registration.registration_code,
      ),
    );
    await step(4, 'Starting the agent', () =>
      this.runOk(serverId, rootShell(host), { input: startScript(host) }),
    );
    await step(5, 'Waiting for the agent to connect', () =>
      this.waitConnected(serverId, host, registration.server_url),
    );
    await actor.progress?.(TOTAL_STEPS, TOTAL_STEPS, 'The agent is connected');
    const result: AgentInstallResult = {
      success: true,
      service: host.systemd ? 'systemd' : 'supervised',
      runtime: nodePath === REMOTE.runtime ? 'bundled' : 'system',
      install_dir: REMOTE.dir,
      steps,
      duration_ms: Date.now() - started,
      agent: await this.agents.status(dto),
    };
    await this.audit.recordOutcome(actor, 'agent.installed', target(serverId), true, {
      agent_id: registration.agent_id,
      service: result.service,
      runtime: result.runtime,
    });
    return result;
  }

  private async runUninstall(actor: Actor, dto: ServerIdDto) {
    const serverId = dto.server_id;
    await actor.progress?.(0, 2, 'Checking the server');
    const host = await this.probe(serverId);
    await actor.progress?.(1, 2, 'Stopping the agent and removing its files');
    try {
      await this.runOk(serverId, rootShell(host), { input: uninstallScript() });
    } catch (error) {
      await this.audit.recordOutcome(actor, 'agent.uninstalled', target(serverId), false, {
        error: error instanceof Error ? error.message.slice(0, 300) : 'unknown',
      });
      throw error;
    }
    const agentId = await this.transactions.run(async (manager) => {
      const agent = await manager.getRepository(AgentEntity).findOneBy({ serverId });
      if (agent) {
        await manager.getRepository(AgentRegistrationCodeEntity).delete({ agentId: agent.id });
        await manager.getRepository(AgentEntity).delete({ id: agent.id });
      }
      await this.audit.record(
        actor,
        {
          action: 'agent.uninstalled',
          targetType: 'server',
          targetId: serverId,
          details: { agent_id: agent?.id ?? null },
        },
        manager,
      );
      return agent?.id;
    });
    if (agentId) this.connections.forAgent(agentId)?.close(CLOSE.REVOKED, 'agent uninstalled');
    await actor.progress?.(2, 2, 'The agent is removed');
    return { success: true, agent_removed: agentId !== undefined };
  }

  /** Reads the server, checks it can take the agent and picks the Node.js that will run it. */
  private async plan(serverId: string): Promise<Plan> {
    const host = await this.probe(serverId);
    await this.assertReachableUrl(serverId);
    if (this.artifacts.runtimeFits(nodeArchOf(host.arch))) {
      return { host, runtime: 'bundled', nodePath: REMOTE.runtime };
    }
    if (host.nodeMajor !== null && host.nodeMajor >= MIN_NODE_MAJOR && host.nodePath) {
      return { host, runtime: 'system', nodePath: host.nodePath };
    }
    throw new DomainError(
      'UNSUPPORTED_OS',
      `The server's CPU (${host.arch ?? 'unknown'}) differs from this backend's (${process.arch}), so Tomo cannot bring its own Node.js, and the server has ${host.nodeMajor ? `Node.js ${host.nodeMajor}` : 'no Node.js'}. Install Node.js ${MIN_NODE_MAJOR} or newer on the server, then try again.`,
    );
  }

  private async probe(serverId: string): Promise<AgentHost> {
    const run = await this.connector.run(serverId, AGENT_HOST_PROBE, {
      timeoutMs: STEP_TIMEOUT_MS,
    });
    const host = parseAgentHost(run.output);
    if (!host.isRoot && !host.canSudo) {
      const server = await this.connector.load(serverId);
      throw new DomainError(
        'REMOTE_FAILED',
        `The SSH user "${server.username}" is not root and cannot use sudo without a password (sudo -n true failed). The agent runs as root to reach Docker: connect as root, or allow this user passwordless sudo, then try again.`,
      );
    }
    return host;
  }

  /** A backend URL on loopback only works for an agent on the backend's own machine. */
  private async assertReachableUrl(serverId: string): Promise<void> {
    const agentHost = new URL(this.agents.agentUrl).hostname;
    if (!isLoopbackHost(agentHost)) return;
    const server = await this.connector.load(serverId);
    if (isLoopbackHost(server.hostname)) return;
    throw new DomainError(
      'VALIDATION_FAILED',
      `Agents dial ${this.agents.agentUrl}, a loopback address the server ${server.hostname} cannot reach. Set SERVER_URL to an address of this backend that the server can reach, restart Tomo, then try again.`,
    );
  }

  /** Copies the bundle (and the runtime when needed), checking each arrived intact. */
  private async copy(serverId: string, plan: Plan): Promise<string> {
    const { host } = plan;
    const bundle = await this.artifacts.bundle();
    await this.upload(serverId, host, REMOTE.bundle, '0644', bundle.bytes, bundle.sha256, false);
    if (plan.runtime === 'system') return plan.nodePath;
    const sha256 = await this.artifacts.runtimeSha256();
    if (host.runtimeSha256 !== sha256) {
      const bytes = await this.artifacts.runtime(host.gzip);
      await this.upload(serverId, host, REMOTE.runtime, '0755', bytes, sha256, host.gzip);
    }
    const check = await this.connector.run(serverId, `${REMOTE.runtime} --version`, {
      timeoutMs: STEP_TIMEOUT_MS,
    });
    if (check.exitCode === 0) return REMOTE.runtime;
    if (host.nodeMajor !== null && host.nodeMajor >= MIN_NODE_MAJOR && host.nodePath) {
      return host.nodePath;
    }
    throw new DomainError(
      'UNSUPPORTED_OS',
      `The Node.js runtime Tomo copied does not run on the server (${lastLines(check.output)}), and the server has no Node.js ${MIN_NODE_MAJOR}+ of its own. Install Node.js ${MIN_NODE_MAJOR} or newer on the server, then try again.`,
    );
  }

  private async upload(
    serverId: string,
    host: AgentHost,
    path: string,
    mode: string,
    bytes: Buffer,
    sha256: string,
    gzipped: boolean,
  ): Promise<void> {
    await this.runOk(serverId, asRoot(writeFileScript(path, mode, gzipped), host), {
      input: bytes,
      timeoutMs: UPLOAD_TIMEOUT_MS,
    });
    const run = await this.runOk(serverId, asRoot(sha256Script(path), host), {});
    if (run.output.trim() !== sha256) {
      throw new DomainError(
        'REMOTE_FAILED',
        `${path} arrived damaged (sha256 ${run.output.trim().slice(0, 64) || 'unknown'}, expected ${sha256}).`,
      );
    }
  }

  private async writeService(
    serverId: string,
    host: AgentHost,
    nodePath: string,
    serverUrl: string,
    code: string,
  ): Promise<void> {
    const files: [string, string, string][] = [
      [REMOTE.launcher, '0755', launcherScript(nodePath)],
      [REMOTE.envFile, '0600', envFile(serverUrl, code)],
      host.systemd
        ? [REMOTE.unit, '0644', systemdUnit()]
        : [REMOTE.supervisor, '0755', supervisorScript()],
    ];
    for (const [path, mode, text] of files) {
      await this.runOk(serverId, asRoot(writeFileScript(path, mode), host), {
        input: Buffer.from(text),
      });
    }
  }

  private async waitConnected(serverId: string, host: AgentHost, url: string): Promise<void> {
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.connections.forServer(serverId)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const tail = await this.connector
      .run(serverId, asRoot(logTailScript(host), host), { timeoutMs: STEP_TIMEOUT_MS })
      .then((run) => lastLines(redactText(run.output), 5))
      .catch(() => '(its log could not be read)');
    throw new DomainError(
      'TIMEOUT',
      `The agent did not connect within ${CONNECT_TIMEOUT_MS / 1000} s. Check that the server can reach ${url}. Its last log lines: ${tail}`,
    );
  }

  private async runOk(
    serverId: string,
    command: string,
    options: { input?: string | Buffer; timeoutMs?: number },
  ) {
    const run = await this.connector.run(serverId, command, {
      timeoutMs: options.timeoutMs ?? STEP_TIMEOUT_MS,
      input: typeof options.input === 'string' ? Buffer.from(options.input) : options.input,
    });
    if (run.exitCode !== 0 || run.timedOut) {
      throw new DomainError(
        'REMOTE_FAILED',
        `${run.timedOut ? 'timed out' : `exit code ${run.exitCode ?? run.signal ?? 'unknown'}`}: ${lastLines(redactText(run.output))}`,
      );
    }
    return run;
  }

  private async exclusive<T>(serverId: string, work: () => Promise<T>): Promise<T> {
    await this.connector.load(serverId);
    if (this.busy.has(serverId)) {
      throw new DomainError(
        'CONFLICT',
        `An agent install or uninstall is already running on server ${serverId}; wait for it to finish.`,
      );
    }
    this.busy.add(serverId);
    try {
      return await work();
    } finally {
      this.busy.delete(serverId);
    }
  }
}

function target(serverId: string) {
  return { type: 'server', id: serverId };
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ').slice(-600) || '(no output)';
}
