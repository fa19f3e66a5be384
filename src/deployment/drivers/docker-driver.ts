import type { HostResources } from '../preflight';
import type { SettledProbe, SettleOptions } from './settle';
import type { DeploymentPlan, PlannedService } from '../plan/deployment-plan.types';

/** One container's state, as the health wait needs it. */
export interface ContainerProbe {
  /** Docker's state: created, running, restarting, exited, dead, … */
  state: string;
  /** healthy, unhealthy, starting, or null without a healthcheck. */
  health: string | null;
  restartCount: number;
  exitCode: number | null;
}

/** A container of an installation, found by its `tomo.installation` label. */
export interface ListedContainer {
  id: string;
  name: string;
  state: string;
  health: string | null;
}

/** What an installation needs besides its containers. */
export interface AppResources {
  network: string | null;
  volumes: readonly string[];
  labels: Record<string, string>;
  /** Bind-mount sources (plan-checked paths under the data root). */
  directories: readonly string[];
}

/** What a server offers for a plan: resources and the host ports that are taken. */
export interface HostOffer {
  host: HostResources;
  /** `"8080/tcp"` keys of ports Docker publishes (taken even without a listening process). */
  published: Set<string>;
}

/**
 * One server's Docker engine for one operation, reached by one route. The engine speaks only to
 * this interface, so both routes deploy the same plan to the same containers, labels and names:
 * the agent's `docker.*` methods (AGENT_PROTOCOL §4), or docker CLI lines over SSH built from
 * quoted argument lists.
 */
export interface DockerDriver {
  readonly serverId: string;
  readonly method: 'agent' | 'ssh';
  /** Docker's server version, as it answered when the route was opened. */
  readonly version: string;

  offer(
    dataRoot: string,
    ports: readonly { host: number; protocol: 'tcp' | 'udp' }[],
  ): Promise<HostOffer>;
  /** Pulls the image when it is missing (or always), and throws Docker's message on failure. */
  ensureImage(image: string, always: boolean): Promise<void>;
  /** Creates the app's network (unless null), its volumes and the bind-mount sources. */
  createResources(resources: AppResources): Promise<void>;
  /** Creates and starts one planned service's container, detached. */
  run(plan: DeploymentPlan, service: PlannedService): Promise<void>;
  /** Waits, up to `maxMs`, until the container is healthy, stable, unhealthy or stopped. */
  settle(container: string, options: SettleOptions): Promise<SettledProbe>;
  logs(container: string, tail: number): Promise<string>;
  start(container: string): Promise<void>;
  stop(container: string, timeoutSeconds: number): Promise<void>;
  restart(container: string): Promise<void>;
  list(installationId: string): Promise<ListedContainer[]>;
  /** Best effort, for clean-up: a container, network or volume already gone is no error. */
  remove(container: string): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  removeVolume(name: string): Promise<void>;
}

/** The health in Docker's status text ("Up 5 seconds (health: starting)"), or null without one. */
export function healthFromStatusText(text: string): string | null {
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(text)?.[1];
  return health === 'health: starting' ? 'starting' : (health ?? null);
}
