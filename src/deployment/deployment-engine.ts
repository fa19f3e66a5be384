import { Injectable } from '@nestjs/common';
import type { ProgressReporter } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import type { DockerDriver } from './drivers/docker-driver';
import { lastLine } from './drivers/last-line';
import type { DeploymentPlan, PlannedService } from './plan/deployment-plan.types';
import { StepFailure, StepLog, StepRecord } from './step-log';

export type { StepRecord } from './step-log';

export interface ServiceState {
  name: string;
  container_id: string | null;
  image: string;
  state: string;
  health: string | null;
  ports: { container: number; host: number | null; protocol: string }[];
}

/** What the engine reports while it works: each status change, with the steps so far. */
export type StatusSink = (
  status: 'pulling' | 'creating' | 'starting',
  steps: StepRecord[],
) => Promise<void>;

export interface DeployOutcome {
  steps: StepRecord[];
  services: ServiceState[];
}

/** Without a healthcheck, a container counts as up once it ran this long without restarting. */
const STABLE_MS = 2_000;
/** One wait request lasts at most this long (an SSH session, a series of agent requests). */
const SETTLE_CHUNK_MS = 20_000;
const STOP_TIMEOUT_S = 10;

/**
 * Deploys a plan on a server through a DockerDriver (agent or SSH), step by step — pull, create
 * (network, volumes, data directories), start in dependency order, wait for health — and removes
 * everything it created when a step fails, so a failed install leaves nothing but its record.
 * Updates start a new generation of containers beside the stopped old one and roll back to it
 * when the new one fails.
 */
@Injectable()
export class DeploymentEngine {
  async deploy(
    driver: DockerDriver,
    plan: DeploymentPlan,
    report: StatusSink,
    progress?: ProgressReporter,
  ): Promise<DeployOutcome> {
    const log = new StepLog(imagesOf(plan).length + plan.services.length * 2 + 1, progress);
    try {
      await report('pulling', log.steps);
      await this.pullAll(driver, plan, log);
      await report('creating', log.steps);
      await log.run('Create network, volumes and data directories', () =>
        this.create(driver, plan, { network: true }),
      );
      await report('starting', log.steps);
      await this.startAll(driver, plan, log);
    } catch (error) {
      await this.remove(driver, plan, { volumes: true }).catch(() => undefined);
      throw new StepFailure(error, log.steps);
    }
    // Up and healthy: a failure to read the states now must not undo the install.
    await log.finish('Running');
    return { steps: log.steps, services: await this.statesOrRunning(driver, plan) };
  }

  /** The states Docker reports, or — when they cannot be read — each service as just started. */
  async statesOrRunning(driver: DockerDriver, plan: DeploymentPlan): Promise<ServiceState[]> {
    return this.states(driver, plan.installationId, plan).catch(() =>
      plan.services.map((service) => ({
        name: service.name,
        container_id: null,
        image: service.image,
        state: 'running',
        health: null,
        ports: service.ports.map(({ container, host, protocol }) => ({
          container,
          host,
          protocol,
        })),
      })),
    );
  }

  /**
   * Starts the `next` containers (a later generation) in place of the `current` ones: pull (the
   * app keeps running), create new volumes, stop the current containers, start the new ones and
   * wait for their health. Returns once they are healthy — the caller records that (the commit
   * point) and then retires the old containers with `retire`. Any failure removes the new
   * containers and starts the old ones again when `restart` (StepFailure with `rolledBack`).
   * Volumes and data are shared, never removed.
   */
  async update(
    driver: DockerDriver,
    current: DeploymentPlan,
    next: DeploymentPlan,
    options: { restart: boolean; report: StatusSink; progress?: ProgressReporter },
  ): Promise<{ log: StepLog }> {
    const log = new StepLog(imagesOf(next).length + next.services.length * 2 + 3, options.progress);
    await options.report('pulling', log.steps);
    try {
      await this.pullAll(driver, next, log);
      await options.report('creating', log.steps);
      await log.run('Create new volumes and data directories', () =>
        this.create(driver, next, { network: false }),
      );
    } catch (error) {
      // Nothing of the running app was touched yet.
      throw new StepFailure(error, log.steps, true);
    }
    await options.report('starting', log.steps);
    try {
      await log.run('Stop the current containers', () => this.stopAll(driver, current));
      await this.startAll(driver, next, log);
    } catch (error) {
      await log
        .run('Roll back to the previous containers', () =>
          this.rollBack(
            driver,
            current,
            next.services.map((service) => service.containerName),
            options.restart,
          ),
        )
        .catch(() => undefined);
      throw new StepFailure(error, log.steps, true);
    }
    return { log };
  }

  /** After an update was recorded: the previous generation's containers go. Best effort. */
  async retire(driver: DockerDriver, previous: DeploymentPlan, log: StepLog): Promise<void> {
    await log
      .run('Remove the previous containers', async () => {
        for (const service of previous.services) await driver.remove(service.containerName);
      })
      .catch(() => undefined);
    await log.finish('Running');
  }

  /** Removes the failed containers and, when `start`, starts `previous`'s again in order. */
  async rollBack(
    driver: DockerDriver,
    previous: DeploymentPlan,
    failedContainers: readonly string[],
    start: boolean,
  ): Promise<void> {
    const keep = new Set(previous.services.map((service) => service.containerName));
    for (const name of [...failedContainers].reverse()) {
      if (!keep.has(name)) await driver.remove(name);
    }
    if (!start) return;
    for (const service of previous.services) await driver.start(service.containerName);
  }

  /** Removes the installation's containers and network (and its volumes when asked). */
  async remove(
    driver: DockerDriver,
    plan: Pick<DeploymentPlan, 'services' | 'network' | 'volumes' | 'installationId'>,
    options: { volumes: boolean },
  ): Promise<void> {
    // By label too: containers of another generation (an interrupted update) go as well.
    const names = new Set(plan.services.map((service) => service.containerName));
    for (const container of await driver.list(plan.installationId).catch(() => [])) {
      names.add(container.name);
    }
    for (const name of [...names].reverse()) await driver.remove(name);
    await driver.removeNetwork(plan.network);
    if (options.volumes) {
      for (const volume of plan.volumes) await driver.removeVolume(volume);
    }
  }

  /** The containers Docker has for the installation, by its label (a removed one: "missing"). */
  async states(
    driver: DockerDriver,
    installationId: string,
    plan: Pick<DeploymentPlan, 'services'>,
  ): Promise<ServiceState[]> {
    const byName = new Map(
      (await driver.list(installationId)).map((container) => [container.name, container]),
    );
    return plan.services.map((service) => {
      const entry = byName.get(service.containerName);
      return {
        name: service.name,
        container_id: entry?.id ?? null,
        image: service.image,
        state: entry?.state ?? 'missing',
        health: entry?.health ?? null,
        ports: service.ports.map((port) => ({
          container: port.container,
          host: port.host,
          protocol: port.protocol,
        })),
      };
    });
  }

  async stopAll(driver: DockerDriver, plan: Pick<DeploymentPlan, 'services'>): Promise<void> {
    for (const service of [...plan.services].reverse()) {
      await driver.stop(service.containerName, STOP_TIMEOUT_S);
    }
  }

  private async pullAll(driver: DockerDriver, plan: DeploymentPlan, log: StepLog): Promise<void> {
    for (const image of imagesOf(plan)) {
      const always = plan.services.some((s) => s.image === image && s.pull === 'always');
      await log.run(`Pull ${image}`, () => driver.ensureImage(image, always));
    }
  }

  private async startAll(driver: DockerDriver, plan: DeploymentPlan, log: StepLog): Promise<void> {
    for (const service of plan.services) {
      await log.run(`Start ${service.name}`, () => driver.run(plan, service));
    }
    for (const service of plan.services) {
      await log.run(`Wait for ${service.name} to be healthy`, () =>
        this.waitHealthy(driver, service),
      );
    }
  }

  private async create(
    driver: DockerDriver,
    plan: DeploymentPlan,
    options: { network: boolean },
  ): Promise<void> {
    await driver.createResources({
      network: options.network ? plan.network : null,
      volumes: plan.volumes,
      labels: { 'tomo.installation': plan.installationId, 'tomo.app': plan.appId },
      directories: plan.services.flatMap((service) =>
        service.volumes.flatMap((volume) => (volume.kind === 'bind' ? [volume.source] : [])),
      ),
    });
  }

  private async waitHealthy(driver: DockerDriver, service: PlannedService): Promise<void> {
    const check = service.healthcheck;
    const limitMs = check
      ? (check.start_period_s + (check.interval_s + check.timeout_s) * (check.retries + 1)) * 1000 +
        30_000
      : 30_000;
    const deadline = Date.now() + Math.min(limitMs, 10 * 60_000);
    for (;;) {
      const probe = await driver.settle(service.containerName, {
        health: check !== null,
        stableMs: STABLE_MS,
        maxMs: Math.max(1_000, Math.min(deadline - Date.now(), SETTLE_CHUNK_MS)),
      });
      if (probe.state === 'exited' || probe.state === 'dead') {
        const logs = await driver.logs(service.containerName, 5).catch(() => '');
        throw new DomainError(
          'REMOTE_FAILED',
          `${service.name} stopped (exit code ${probe.exitCode ?? 'unknown'}): ${lastLine(logs)}`,
        );
      }
      if (probe.health === 'unhealthy') {
        throw new DomainError(
          'REMOTE_FAILED',
          `${service.name} is unhealthy (its healthcheck fails).`,
        );
      }
      if (probe.settled) return;
      if (Date.now() >= deadline) {
        throw new DomainError(
          'TIMEOUT',
          `${service.name} did not become ${check ? 'healthy' : 'stable'} in time (state ${probe.state}${probe.health ? `, health ${probe.health}` : ''}).`,
        );
      }
    }
  }
}

function imagesOf(plan: DeploymentPlan): string[] {
  return [...new Set(plan.services.map((service) => service.image))];
}
