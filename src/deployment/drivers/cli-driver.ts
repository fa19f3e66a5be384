import { DomainError } from '../../common/errors/domain-error';
import { shellCommand } from '../../common/shell/shell-quote';
import type { CommandRouter, RoutedResult } from '../../commands/command-router';
import { parseHostResources, parsePublishedPorts, preflightScript } from '../preflight';
import type { DeploymentPlan, PlannedService } from '../plan/deployment-plan.types';
import { dockerCli } from './docker-cli';
import type { ContainerProbe, DockerDriver, HostOffer, ListedContainer } from './docker-driver';
import { lastLine } from './last-line';

const DEFAULT_TIMEOUT_MS = 120_000;
const PULL_TIMEOUT_MS = 15 * 60_000;

/**
 * The SSH route: docker CLI lines (docker-cli.ts, every argument single-quoted) run over the
 * server's pooled SSH connection; a non-root user goes through `sudo -n`.
 */
export class CliDriver implements DockerDriver {
  readonly method = 'ssh' as const;

  constructor(
    private readonly router: CommandRouter,
    readonly serverId: string,
    readonly version: string,
    private readonly sudo: boolean,
  ) {}

  async offer(dataRoot: string): Promise<HostOffer> {
    const resources = await this.must(preflightScript(dataRoot), 'Reading the server resources', {
      sudo: false,
    });
    const published = await this.must(
      shellCommand(['docker', 'ps', '--format', '{{.Ports}}']),
      'Listing published ports',
    );
    return { host: parseHostResources(resources), published: parsePublishedPorts(published) };
  }

  async imagePresent(image: string): Promise<boolean> {
    return (await this.exec(dockerCli.imageInspect(image))).exitCode === 0;
  }

  async pull(image: string): Promise<void> {
    await this.must(dockerCli.pull(image), `Pulling ${image}`, { timeoutMs: PULL_TIMEOUT_MS });
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<void> {
    await this.must(dockerCli.networkCreate(name, labels), 'Creating the network');
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.must(dockerCli.volumeCreate(name, labels), `Creating volume ${name}`);
  }

  async prepareDirectories(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.must(
      shellCommand(['mkdir', '-p', '--', ...new Set(paths)]),
      'Creating the data directories',
    );
  }

  async run(plan: DeploymentPlan, service: PlannedService): Promise<void> {
    await this.must(dockerCli.run(plan, service), `Starting ${service.name}`);
  }

  async probe(container: string): Promise<ContainerProbe> {
    const format =
      '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.RestartCount}}|{{.State.ExitCode}}';
    const output = await this.must(
      shellCommand(['docker', 'inspect', '--format', format, '--', container]),
      `Inspecting ${container}`,
    );
    const [state = '', health = '', restarts = '0', exitCode = ''] = output.trim().split('|');
    return {
      state,
      health: health || null,
      restartCount: Number(restarts) || 0,
      exitCode: exitCode === '' ? null : Number(exitCode),
    };
  }

  logs(container: string, tail: number): Promise<string> {
    return this.must(dockerCli.logs(container, tail), `Reading the logs of ${container}`);
  }

  async start(container: string): Promise<void> {
    await this.must(dockerCli.start(container), `Starting ${container}`);
  }

  async stop(container: string, timeoutSeconds: number): Promise<void> {
    await this.must(dockerCli.stop(container, timeoutSeconds), `Stopping ${container}`);
  }

  async restart(container: string): Promise<void> {
    await this.must(dockerCli.restart(container), `Restarting ${container}`);
  }

  async list(installationId: string): Promise<ListedContainer[]> {
    const output = await this.must(dockerCli.status(installationId), 'Reading container states');
    const containers: ListedContainer[] = [];
    for (const line of output.split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      const entry = JSON.parse(line) as {
        ID: string;
        Names: string;
        State: string;
        Status: string;
      };
      const health = /\((healthy|unhealthy|health: starting)\)/.exec(entry.Status)?.[1];
      containers.push({
        id: entry.ID,
        name: entry.Names,
        state: entry.State,
        health: health === 'health: starting' ? 'starting' : (health ?? null),
      });
    }
    return containers;
  }

  async remove(container: string): Promise<void> {
    await this.exec(dockerCli.remove(container));
  }

  async removeNetwork(name: string): Promise<void> {
    await this.exec(dockerCli.networkRemove(name));
  }

  async removeVolume(name: string): Promise<void> {
    await this.exec(dockerCli.volumeRemove(name));
  }

  /** Runs one line; a non-zero exit is returned, not thrown. */
  private exec(
    line: string,
    options: { timeoutMs?: number; sudo?: boolean } = {},
  ): Promise<RoutedResult> {
    const command = (options.sudo ?? this.sudo) ? `sudo -n ${line}` : line;
    return this.router.run(this.serverId, command, 'ssh', {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }

  /** Runs one line and throws REMOTE_FAILED with Docker's message when it fails. */
  private async must(
    line: string,
    what: string,
    options: { timeoutMs?: number; sudo?: boolean } = {},
  ): Promise<string> {
    const run = await this.exec(line, options);
    if (run.exitCode !== 0 || run.timedOut) {
      throw new DomainError(
        'REMOTE_FAILED',
        `${what} failed: ${run.timedOut ? 'timed out' : lastLine(run.output)}`,
      );
    }
    return run.output;
  }
}
