import { DomainError } from '../../common/errors/domain-error';
import type { AgentConnection } from '../../agents/gateway/agent-connection';
import type { DeploymentPlan, PlannedService } from '../plan/deployment-plan.types';
import { agentRunParams, InspectedContainer, missingExtensions } from './agent-run-params';
import type {
  AppResources,
  ContainerProbe,
  DockerDriver,
  HostOffer,
  ListedContainer,
} from './docker-driver';
import { healthFromStatusText } from './docker-driver';
import { pollUntilSettled, SettledProbe, SettleOptions } from './settle';

const DEFAULT_TIMEOUT_MS = 60_000;
const PULL_TIMEOUT_MS = 15 * 60_000;

interface StatusAnswer {
  status?: unknown;
  health?: unknown;
  restart_count?: unknown;
}

interface ListAnswerItem {
  id?: unknown;
  name?: unknown;
  status?: unknown;
  status_text?: unknown;
}

/** `nginx` → `nginx:latest`, `docker.io/library/nginx:1` → `nginx:1`: how Docker lists tags. */
export function canonicalTag(image: string): string {
  const withTag = /:[^/]+$/.test(image) || image.includes('@') ? image : `${image}:latest`;
  return withTag.replace(/^(?:docker\.io|index\.docker\.io)\//, '').replace(/^library\//, '');
}

function isMissing(error: unknown): boolean {
  return error instanceof DomainError && /no such|not found|404/i.test(error.message);
}

/**
 * The agent route: the connected agent's `docker.*` methods (AGENT_PROTOCOL §4), no shell. Works
 * with an agent started with `--no-exec`; the agent's own container policy applies on top.
 */
export class AgentDriver implements DockerDriver {
  readonly method = 'agent' as const;

  constructor(
    private readonly connection: AgentConnection,
    readonly serverId: string,
    readonly version: string,
  ) {}

  async offer(
    _dataRoot: string,
    ports: readonly { host: number; protocol: 'tcp' | 'udp' }[],
  ): Promise<HostOffer> {
    const [info, check] = await Promise.all([
      this.call<{ arch?: string; memory_total?: number }>('system.info'),
      this.call<{
        disk?: { free_gb?: number; total_gb?: number };
        memory?: { free_mb?: number; total_mb?: number };
        ports?: Record<string, string>;
      }>('system.preflight_check', {
        min_disk_gb: 0,
        min_memory_mb: 0,
        ports: ports.map((port) => `${port.host}/${port.protocol}`),
      }),
    ]);
    const kb = (value: number | undefined, unit: number) =>
      typeof value === 'number' ? Math.round(value * unit) : null;
    const published = new Set<string>();
    for (const [key, state] of Object.entries(check.ports ?? {})) {
      if (state === 'in_use') published.add(key);
    }
    return {
      host: {
        arch: info.arch ?? null,
        diskFreeKb: kb(check.disk?.free_gb, 1024 * 1024),
        diskTotalKb: kb(check.disk?.total_gb, 1024 * 1024),
        memFreeKb: kb(check.memory?.free_mb, 1024),
        memTotalKb: kb(check.memory?.total_mb, 1024),
        bound: { tcp: new Set(), udp: new Set() },
      },
      published,
    };
  }

  async ensureImage(image: string, always: boolean): Promise<void> {
    if (!always && (await this.imagePresent(image))) return;
    await this.call('docker.images.pull', { image }, PULL_TIMEOUT_MS + 5_000);
  }

  settle(container: string, options: SettleOptions): Promise<SettledProbe> {
    return pollUntilSettled(() => this.probe(container), options);
  }

  private async imagePresent(image: string): Promise<boolean> {
    const wanted = canonicalTag(image);
    const images = await this.call<{ tags?: unknown }[]>('docker.images.list');
    return images.some(
      (entry) =>
        Array.isArray(entry.tags) && entry.tags.some((tag) => canonicalTag(String(tag)) === wanted),
    );
  }

  /** Docker creates a missing bind source itself when the container is created. */
  async createResources(resources: AppResources): Promise<void> {
    const { network, volumes, labels } = resources;
    if (network) await this.call('docker.networks.create', { name: network, labels });
    for (const name of volumes) await this.call('docker.volumes.create', { name, labels });
  }

  async run(plan: DeploymentPlan, service: PlannedService): Promise<void> {
    const params = agentRunParams(plan, service);
    await this.call('docker.containers.run', params, PULL_TIMEOUT_MS + 5_000);
    const extended =
      ['network_aliases', 'user', 'entrypoint', 'cap_add'].some((key) => key in params) ||
      (service.healthcheck?.start_period_s ?? 0) > 0;
    if (!extended) return;
    const inspected = await this.call<InspectedContainer>('docker.containers.inspect', {
      container: service.containerName,
    });
    const missing = missingExtensions(plan, service, inspected);
    if (missing.length > 0) {
      throw new DomainError(
        'AGENT_ERROR',
        `The agent ignored ${missing.join(', ')} of docker.containers.run; update the agent (update_agent) or uninstall it to deploy over SSH.`,
      );
    }
  }

  private async probe(container: string): Promise<ContainerProbe> {
    const status = await this.call<StatusAnswer>('docker.containers.status', { container });
    const state = typeof status.status === 'string' ? status.status : 'unknown';
    let exitCode: number | null = null;
    if (state === 'exited' || state === 'dead') {
      const inspected = await this.call<{ State?: { ExitCode?: number } }>(
        'docker.containers.inspect',
        { container },
      );
      exitCode = inspected.State?.ExitCode ?? null;
    }
    return {
      state,
      health: typeof status.health === 'string' ? status.health : null,
      restartCount: typeof status.restart_count === 'number' ? status.restart_count : 0,
      exitCode,
    };
  }

  async logs(container: string, tail: number): Promise<string> {
    const answer = await this.call<{ logs?: unknown }>('docker.containers.logs', {
      container,
      tail,
    });
    return typeof answer.logs === 'string' ? answer.logs : '';
  }

  async start(container: string): Promise<void> {
    await this.call('docker.containers.start', { container });
  }

  async stop(container: string, timeoutSeconds: number): Promise<void> {
    await this.call(
      'docker.containers.stop',
      { container, timeout: timeoutSeconds },
      (timeoutSeconds + 60) * 1000,
    );
  }

  async restart(container: string): Promise<void> {
    await this.call('docker.containers.restart', { container });
  }

  async list(installationId: string): Promise<ListedContainer[]> {
    const items = await this.call<ListAnswerItem[]>('docker.containers.list', {
      all: true,
      labels: { 'tomo.installation': installationId },
    });
    return items.map((item) => {
      const text = typeof item.status_text === 'string' ? item.status_text : '';
      return {
        id: typeof item.id === 'string' ? item.id : '',
        name: typeof item.name === 'string' ? item.name : '',
        state: typeof item.status === 'string' ? item.status : 'unknown',
        health: healthFromStatusText(text),
      };
    });
  }

  async remove(container: string): Promise<void> {
    await this.bestEffort('docker.containers.remove', { container, force: true });
  }

  async removeNetwork(name: string): Promise<void> {
    await this.bestEffort('docker.networks.remove', { name });
  }

  async removeVolume(name: string): Promise<void> {
    await this.bestEffort('docker.volumes.remove', { name, force: true });
  }

  private async bestEffort(method: string, params: object): Promise<void> {
    try {
      await this.call(method, params);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  private call<T = unknown>(
    method: string,
    params?: object,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<T> {
    return this.connection.request<T>(method, params, timeoutMs);
  }
}
