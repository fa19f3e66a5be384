import { DomainError } from '../../common/errors/domain-error';
import { shellCommand } from '../../common/shell/shell-quote';
import type { CommandRouter, RoutedResult } from '../../commands/command-router';
import { parseHostResources, parsePublishedPorts, preflightScript } from '../preflight';
import type { DeploymentPlan, PlannedService } from '../plan/deployment-plan.types';
import { dockerCli } from './docker-cli';
import type { AppResources, DockerDriver, HostOffer, ListedContainer } from './docker-driver';
import { healthFromStatusText } from './docker-driver';
import { lastLine } from './last-line';
import type { SettledProbe, SettleOptions } from './settle';
import { parseSettled, settleScript } from './settle-script';

const PUBLISHED_MARK = '@published';

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

  /** One SSH session: the resources script, then the ports Docker publishes. */
  async offer(dataRoot: string): Promise<HostOffer> {
    const ports = this.docker(shellCommand(['docker', 'ps', '--format', '{{.Ports}}']));
    const output = await this.must(
      `${preflightScript(dataRoot)}; echo ${PUBLISHED_MARK}; ${ports}`,
      'Reading the server resources',
      { sudo: false },
    );
    const at = output.lastIndexOf(`${PUBLISHED_MARK}\n`);
    if (at < 0) throw new DomainError('REMOTE_FAILED', 'Reading the server resources failed.');
    return {
      host: parseHostResources(output.slice(0, at)),
      published: parsePublishedPorts(output.slice(at + PUBLISHED_MARK.length)),
    };
  }

  /** One SSH session: pulled only when `docker image inspect` does not find the image. */
  async ensureImage(image: string, always: boolean): Promise<void> {
    const pull = this.docker(dockerCli.pull(image));
    const line = always
      ? pull
      : `${this.docker(dockerCli.imageInspect(image))} >/dev/null 2>&1 || ${pull}`;
    await this.must(line, `Pulling ${image}`, { timeoutMs: PULL_TIMEOUT_MS, sudo: false });
  }

  /** The whole wait in one SSH session: a shell loop on the server (settle-script.ts). */
  async settle(container: string, options: SettleOptions): Promise<SettledProbe> {
    const output = await this.must(
      settleScript(container, options, this.sudo),
      `Waiting for ${container}`,
      { timeoutMs: options.maxMs + 30_000, sudo: false },
    );
    return parseSettled(output);
  }

  /** One SSH session: network, volumes and directories, stopping at the first failure. */
  async createResources(resources: AppResources): Promise<void> {
    const { network, volumes, labels, directories } = resources;
    const lines = [
      ...(network ? [this.docker(dockerCli.networkCreate(network, labels))] : []),
      ...volumes.map((volume) => this.docker(dockerCli.volumeCreate(volume, labels))),
      ...(directories.length > 0
        ? [this.docker(shellCommand(['mkdir', '-p', '--', ...new Set(directories)]))]
        : []),
    ];
    if (lines.length === 0) return;
    await this.must(lines.join(' && '), 'Creating the network, volumes and data directories', {
      sudo: false,
    });
  }

  async run(plan: DeploymentPlan, service: PlannedService): Promise<void> {
    await this.must(dockerCli.run(plan, service), `Starting ${service.name}`);
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
      containers.push({
        id: entry.ID,
        name: entry.Names,
        state: entry.State,
        health: healthFromStatusText(entry.Status),
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

  /** A docker line as this session runs it: through `sudo -n` for a non-root user. */
  private docker(line: string): string {
    return this.sudo ? `sudo -n ${line}` : line;
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
