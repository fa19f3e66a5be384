import type { DeploymentPlan, PlannedService } from '../plan/deployment-plan.types';

/**
 * `docker.containers.run` params (AGENT_PROTOCOL §4) for one planned service. The protocol's
 * fields carry image, name, ports, env, volumes, network, restart policy, labels, command and
 * healthcheck; what it lacks travels in optional extension fields that Tomo's agent applies —
 * `network_aliases`, `user`, `entrypoint`, `cap_add`, `healthcheck.start_period` — and that the
 * engine verifies on the created container (`extensionsApplied`), so an agent that ignores them
 * fails the step instead of running a container that differs from the plan.
 */
export function agentRunParams(
  plan: DeploymentPlan,
  service: PlannedService,
): Record<string, unknown> {
  const ports: Record<string, string> = {};
  const seen = new Set<number>();
  for (const port of service.ports) {
    if (port.host === null) continue;
    // One host port published for both tcp and udp needs a second key: "53/udp" (Tomo's agent).
    const key = seen.has(port.host) ? `${port.host}/${port.protocol}` : String(port.host);
    seen.add(port.host);
    ports[key] = `${port.container}/${port.protocol}`;
  }
  const params: Record<string, unknown> = {
    image: service.image,
    name: service.containerName,
    ports,
    env: service.env,
    volumes: service.volumes.map((volume) => ({
      host: volume.kind === 'volume' ? volume.name : volume.source,
      container: volume.target,
      mode: volume.readOnly ? 'ro' : 'rw',
    })),
    network: plan.network,
    restart_policy: service.restart,
    labels: service.labels,
    command: service.command ?? [],
  };
  const check = service.healthcheck;
  if (check) {
    params.healthcheck = {
      test: check.test,
      interval: check.interval_s,
      timeout: check.timeout_s,
      retries: check.retries,
      ...(check.start_period_s > 0 ? { start_period: check.start_period_s } : {}),
    };
  }
  if (service.aliases.length > 0) params.network_aliases = service.aliases;
  if (service.user) params.user = service.user;
  if (service.entrypoint) params.entrypoint = service.entrypoint;
  if (service.capabilities.length > 0) params.cap_add = service.capabilities;
  return params;
}

/** The subset of `docker inspect` the extension check reads. */
export interface InspectedContainer {
  Config?: {
    User?: string;
    Entrypoint?: string[] | null;
    Healthcheck?: { StartPeriod?: number } | null;
  };
  HostConfig?: { CapAdd?: string[] | null };
  NetworkSettings?: { Networks?: Record<string, { Aliases?: string[] | null }> };
}

/** The extension fields the created container does not show: empty when the agent applied all. */
export function missingExtensions(
  plan: DeploymentPlan,
  service: PlannedService,
  inspected: InspectedContainer,
): string[] {
  const missing: string[] = [];
  const aliases = inspected.NetworkSettings?.Networks?.[plan.network]?.Aliases ?? [];
  if (service.aliases.some((alias) => !aliases.includes(alias))) missing.push('network_aliases');
  if (service.user && inspected.Config?.User !== service.user) missing.push('user');
  if (
    service.entrypoint &&
    JSON.stringify(inspected.Config?.Entrypoint ?? []) !== JSON.stringify(service.entrypoint)
  ) {
    missing.push('entrypoint');
  }
  const startPeriod = service.healthcheck?.start_period_s ?? 0;
  if (startPeriod > 0 && inspected.Config?.Healthcheck?.StartPeriod !== startPeriod * 1e9) {
    missing.push('healthcheck.start_period');
  }
  const capabilities = inspected.HostConfig?.CapAdd ?? [];
  const bare = (cap: string) => cap.replace(/^CAP_/, '');
  if (service.capabilities.some((cap) => !capabilities.some((c) => bare(c) === bare(cap)))) {
    missing.push('cap_add');
  }
  return missing;
}
