import { shellCommand } from '../../common/shell/shell-quote';
import type { DeploymentPlan, PlannedService, PlannedVolume } from '../plan/deployment-plan.types';

/**
 * The docker CLI command lines of the SSH route, built from argument lists (every argument one
 * single-quoted word, so no value of a plan can start another command or option of the shell)
 * with `--` before the image and every user-chosen name after the flag it belongs to.
 */

function mountArg(volume: PlannedVolume): string {
  // The plan refuses ",", ":" and control characters in paths, so this list cannot be split.
  const source = volume.kind === 'volume' ? volume.name : volume.source;
  return `type=${volume.kind},source=${source},target=${volume.target}${volume.readOnly ? ',readonly' : ''}`;
}

/**
 * A healthcheck for `docker run`: the CLI takes a shell command line, so an exec-form test
 * (`CMD`, args…) becomes its arguments quoted for `sh -c`, which Docker runs in the container.
 */
function healthArgs(service: PlannedService): string[] {
  const check = service.healthcheck;
  if (!check) return [];
  const [kind, ...rest] = check.test;
  if (kind === 'NONE') return ['--no-healthcheck'];
  const command = kind === 'CMD-SHELL' ? rest.join(' ') : shellCommand(rest);
  return [
    '--health-cmd',
    command,
    '--health-interval',
    `${check.interval_s}s`,
    '--health-timeout',
    `${check.timeout_s}s`,
    '--health-retries',
    String(check.retries),
    '--health-start-period',
    `${check.start_period_s}s`,
  ];
}

/** `docker run -d …` for one planned service on the plan's network. */
export function runArgs(plan: DeploymentPlan, service: PlannedService): string[] {
  const args = ['docker', 'run', '--detach', '--name', service.containerName];
  args.push('--network', plan.network);
  for (const alias of service.aliases) args.push('--network-alias', alias);
  args.push('--restart', service.restart);
  args.push(...labelArgs(service.labels));
  for (const [key, value] of Object.entries(service.env)) args.push('--env', `${key}=${value}`);
  for (const port of service.ports) {
    if (port.host !== null)
      args.push('--publish', `${port.host}:${port.container}/${port.protocol}`);
  }
  for (const volume of service.volumes) args.push('--mount', mountArg(volume));
  if (service.user) args.push('--user', service.user);
  for (const capability of service.capabilities) args.push('--cap-add', capability);
  args.push(...healthArgs(service));
  // `--entrypoint` takes the executable only; its other words go before the command.
  const [entrypoint, ...entrypointArgs] = service.entrypoint ?? [];
  if (entrypoint !== undefined) args.push('--entrypoint', entrypoint);
  args.push('--', service.image, ...entrypointArgs, ...(service.command ?? []));
  return args;
}

function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
}

export const dockerCli = {
  run: (plan: DeploymentPlan, service: PlannedService) => shellCommand(runArgs(plan, service)),
  networkCreate: (name: string, labels: Record<string, string>) =>
    shellCommand(['docker', 'network', 'create', ...labelArgs(labels), '--', name]),
  volumeCreate: (name: string, labels: Record<string, string>) =>
    shellCommand(['docker', 'volume', 'create', ...labelArgs(labels), '--', name]),
  imageInspect: (image: string) =>
    shellCommand(['docker', 'image', 'inspect', '--format', '{{.Id}}', '--', image]),
  pull: (image: string) => shellCommand(['docker', 'pull', '--quiet', '--', image]),
  stop: (container: string, timeoutSeconds: number) =>
    shellCommand(['docker', 'stop', '--time', String(timeoutSeconds), '--', container]),
  start: (container: string) => shellCommand(['docker', 'start', '--', container]),
  restart: (container: string) => shellCommand(['docker', 'restart', '--', container]),
  remove: (container: string) => shellCommand(['docker', 'rm', '--force', '--', container]),
  networkRemove: (name: string) => shellCommand(['docker', 'network', 'rm', '--', name]),
  volumeRemove: (name: string) => shellCommand(['docker', 'volume', 'rm', '--force', '--', name]),
  logs: (container: string, tail: number) =>
    shellCommand(['docker', 'logs', '--tail', String(tail), '--', container]),
  /** One JSON object per container of the installation: name, state, health, image, id. */
  status: (installationId: string) =>
    shellCommand([
      'docker',
      'ps',
      '--all',
      '--no-trunc',
      '--filter',
      `label=tomo.installation=${installationId}`,
      '--format',
      '{{json .}}',
    ]),
};
