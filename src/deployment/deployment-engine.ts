import { Injectable } from '@nestjs/common';
import type { ProgressReporter } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { shellCommand } from '../common/shell/shell-quote';
import { nowIso } from '../common/time';
import { dockerCli } from './drivers/docker-cli';
import type { DeploymentPlan, PlannedService } from './plan/deployment-plan.types';
import { DockerSession, lastLine, ServerDocker } from './server-docker';

export interface StepRecord {
  name: string;
  status: 'running' | 'done' | 'failed';
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

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

const PULL_TIMEOUT_MS = 15 * 60_000;
/** Without a healthcheck, a container counts as up once it ran this long without restarting. */
const STABLE_MS = 2_000;
const HEALTH_POLL_MS = 500;

/**
 * Deploys a plan on a server, step by step — pull, create (network, volumes, data directories),
 * start in dependency order, wait for health — and removes everything it created when a step
 * fails, so a failed install leaves nothing behind but its record.
 */
@Injectable()
export class DeploymentEngine {
  constructor(private readonly docker: ServerDocker) {}

  async deploy(
    session: DockerSession,
    plan: DeploymentPlan,
    report: StatusSink,
    progress?: ProgressReporter,
  ): Promise<{ steps: StepRecord[]; services: ServiceState[] }> {
    const steps: StepRecord[] = [];
    const total = plan.services.length * 2 + 2;
    let done = 0;
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const record: StepRecord = {
        name,
        status: 'running',
        started_at: nowIso(),
        finished_at: null,
        error: null,
      };
      steps.push(record);
      await progress?.(done, total, name);
      try {
        const result = await work();
        record.status = 'done';
        return result;
      } catch (error) {
        record.status = 'failed';
        record.error = error instanceof Error ? error.message.slice(0, 1000) : String(error);
        throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
          steps,
        });
      } finally {
        record.finished_at = nowIso();
        done += 1;
      }
    };
    try {
      await report('pulling', steps);
      for (const image of [...new Set(plan.services.map((service) => service.image))]) {
        const always = plan.services.some((s) => s.image === image && s.pull === 'always');
        await step(`Pull ${image}`, () => this.pull(session, image, always));
      }
      await report('creating', steps);
      await step('Create network, volumes and data directories', () => this.create(session, plan));
      await report('starting', steps);
      for (const service of plan.services) {
        await step(`Start ${service.name}`, () =>
          this.docker.must(session, dockerCli.run(plan, service), `Starting ${service.name}`),
        );
      }
      for (const service of plan.services) {
        await step(`Wait for ${service.name} to be healthy`, () =>
          this.waitHealthy(session, service),
        );
      }
      await progress?.(total, total, 'Running');
      return { steps, services: await this.states(session, plan.installationId, plan) };
    } catch (error) {
      await this.remove(session, plan, { volumes: true });
      throw error;
    }
  }

  /** Removes the installation's containers and network (and its volumes when asked). */
  async remove(
    session: DockerSession,
    plan: Pick<DeploymentPlan, 'services' | 'network' | 'volumes'>,
    options: { volumes: boolean },
  ): Promise<void> {
    for (const service of [...plan.services].reverse()) {
      await this.docker.run(session, dockerCli.remove(service.containerName));
    }
    await this.docker.run(session, dockerCli.networkRemove(plan.network));
    if (options.volumes) {
      for (const volume of plan.volumes)
        await this.docker.run(session, dockerCli.volumeRemove(volume));
    }
  }

  /** The containers Docker has for the installation, by its label (a removed one: "missing"). */
  async states(
    session: DockerSession,
    installationId: string,
    plan: Pick<DeploymentPlan, 'services'>,
  ): Promise<ServiceState[]> {
    const output = await this.docker.must(
      session,
      dockerCli.status(installationId),
      'Reading container states',
    );
    const byName = new Map<string, { ID: string; State: string; Status: string; Image: string }>();
    for (const line of output.split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      const entry = JSON.parse(line) as {
        ID: string;
        Names: string;
        State: string;
        Status: string;
        Image: string;
      };
      byName.set(entry.Names, entry);
    }
    return plan.services.map((service) => {
      const entry = byName.get(service.containerName);
      const health = /\((healthy|unhealthy|health: starting)\)/.exec(entry?.Status ?? '')?.[1];
      return {
        name: service.name,
        container_id: entry?.ID ?? null,
        image: service.image,
        state: entry?.State ?? 'missing',
        health: health === 'health: starting' ? 'starting' : (health ?? null),
        ports: service.ports.map((port) => ({
          container: port.container,
          host: port.host,
          protocol: port.protocol,
        })),
      };
    });
  }

  private async pull(session: DockerSession, image: string, always: boolean): Promise<void> {
    if (!always) {
      const present = await this.docker.run(session, dockerCli.imageInspect(image));
      if (present.exitCode === 0) return;
    }
    await this.docker.must(session, dockerCli.pull(image), `Pulling ${image}`, PULL_TIMEOUT_MS);
  }

  private async create(session: DockerSession, plan: DeploymentPlan): Promise<void> {
    const labels = { 'tomo.installation': plan.installationId, 'tomo.app': plan.appId };
    await this.docker.must(
      session,
      dockerCli.networkCreate(plan.network, labels),
      'Creating the network',
    );
    for (const volume of plan.volumes) {
      await this.docker.must(
        session,
        dockerCli.volumeCreate(volume, labels),
        `Creating volume ${volume}`,
      );
    }
    const directories = plan.services.flatMap((service) =>
      service.volumes.flatMap((volume) => (volume.kind === 'bind' ? [volume.source] : [])),
    );
    if (directories.length > 0) {
      // Bind sources are plan-checked paths under the data root.
      const line = shellCommand(['mkdir', '-p', '--', ...new Set(directories)]);
      const run = await this.docker.run(session, line);
      if (run.exitCode !== 0) {
        throw new DomainError(
          'REMOTE_FAILED',
          `Creating the data directories failed: ${lastLine(run.output)}`,
        );
      }
    }
  }

  private async waitHealthy(session: DockerSession, service: PlannedService): Promise<void> {
    const check = service.healthcheck;
    const limitMs = check
      ? (check.start_period_s + (check.interval_s + check.timeout_s) * (check.retries + 1)) * 1000 +
        30_000
      : 30_000;
    const deadline = Date.now() + Math.min(limitMs, 10 * 60_000);
    let runningSince: number | null = null;
    let restarts: string | null = null;
    const format =
      '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.RestartCount}}|{{.State.ExitCode}}';
    for (;;) {
      const output = await this.docker.must(
        session,
        shellCommand(['docker', 'inspect', '--format', format, '--', service.containerName]),
        `Inspecting ${service.name}`,
      );
      const [state, health, restartCount, exitCode] = output.trim().split('|');
      if (state === 'exited' || state === 'dead') {
        const logs = await this.docker.run(session, dockerCli.logs(service.containerName, 5));
        throw new DomainError(
          'REMOTE_FAILED',
          `${service.name} stopped (exit code ${exitCode}): ${lastLine(logs.output)}`,
        );
      }
      if (health === 'unhealthy') {
        throw new DomainError(
          'REMOTE_FAILED',
          `${service.name} is unhealthy (its healthcheck fails).`,
        );
      }
      if (check && health === 'healthy') return;
      if (!check && state === 'running') {
        if (restarts !== restartCount) {
          restarts = restartCount ?? null;
          runningSince = Date.now();
        } else if (runningSince !== null && Date.now() - runningSince >= STABLE_MS) {
          return;
        }
      }
      if (Date.now() > deadline) {
        throw new DomainError(
          'TIMEOUT',
          `${service.name} did not become ${check ? 'healthy' : 'stable'} in time (state ${state}${health ? `, health ${health}` : ''}).`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
    }
  }
}

/** Lifecycle lines for an installation's containers. */
export const lifecycle = {
  start: (service: Pick<PlannedService, 'containerName'>) => dockerCli.start(service.containerName),
  stop: (service: Pick<PlannedService, 'containerName'>) =>
    dockerCli.stop(service.containerName, 10),
  restart: (service: Pick<PlannedService, 'containerName'>) =>
    dockerCli.restart(service.containerName),
};
