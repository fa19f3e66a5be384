import { randomBytes } from 'node:crypto';
import { validateManifest } from '../../marketplace/manifest/manifest-validator';
import type { AppManifest } from '../../marketplace/manifest/manifest.types';
import type {
  DeploymentPlan,
  PlanContext,
  PlannedService,
  PlanProblem,
} from './deployment-plan.types';
import { PlanError } from './plan-error';
import { mainServiceOf, portKey, readConfig, type PlanConfig } from './plan-config';
import { resolveInputs } from './plan-inputs';
import { planService } from './plan-service';
import { substitutionVariables } from './plan-substitution';
import { normalizePath, pathProblem } from './plan-support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The context is Tomo's own, not the caller's: a bad one is a bug, thrown as a plain Error.
 * Returns the lower-case id, its short form and the normalised data root.
 */
function checkContext(context: PlanContext): { id: string; shortId: string; dataRoot: string } {
  if (!UUID.test(context.installationId)) {
    throw new Error('PlanContext.installationId must be a uuid');
  }
  const problem = pathProblem(context.dataRoot);
  const dataRoot = problem ? null : normalizePath(context.dataRoot);
  if (dataRoot === null || dataRoot === '/') {
    throw new Error(`PlanContext.dataRoot must be an absolute directory below /: ${problem ?? ''}`);
  }
  const id = context.installationId.toLowerCase();
  return { id, shortId: id.replace(/-/g, '').slice(0, 12), dataRoot };
}

/** Host ports the manifest publishes once the caller's overrides apply, with where each is set. */
function publishedPorts(manifest: AppManifest, config: PlanConfig) {
  const published: { key: string; host: number; path: string; owner: string }[] = [];
  manifest.services.forEach((service, index) => {
    const overrides = config.services.get(service.name)?.ports;
    (service.ports ?? []).forEach((port, portIndex) => {
      const container = portKey(port.container, port.protocol);
      const override = overrides?.get(container);
      const host = override ? override.host : (port.host ?? null);
      if (host === null) return;
      published.push({
        key: `${host}/${port.protocol ?? 'tcp'}`,
        host,
        path: override?.path ?? `services[${index}].ports[${portIndex}].host`,
        owner: `${service.name} (${container})`,
      });
    });
  });
  return published;
}

/** Two published ports sharing `host/protocol`, reported at the second. */
function portClashes(published: ReturnType<typeof publishedPorts>): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const owners = new Map<string, string>();
  for (const port of published) {
    const owner = owners.get(port.key);
    if (owner) {
      problems.push({
        path: port.path,
        message: `host port ${port.key} is also published by ${owner}`,
      });
    } else {
      owners.set(port.key, port.owner);
    }
  }
  return problems;
}

/** Dependencies first; otherwise the manifest's order (the validator refuses cycles). */
export function startOrder(services: PlannedService[]): PlannedService[] {
  const ordered: PlannedService[] = [];
  const placed = new Set<string>();
  const names = new Set(services.map((service) => service.name));
  const pending = [...services];
  while (pending.length > 0) {
    const next = pending.findIndex((service) =>
      service.dependsOn.every((dependency) => placed.has(dependency) || !names.has(dependency)),
    );
    if (next < 0)
      throw new Error(`depends_on forms a cycle among ${pending.map((s) => s.name).join(', ')}`);
    const [service] = pending.splice(next, 1);
    if (!service) break;
    ordered.push(service);
    placed.add(service.name);
  }
  return ordered;
}

/**
 * Turns a manifest, the caller's `config` (see MANIFEST.md) and the installation's context into
 * the plan the engine executes. Pure and synchronous except for the random bytes of generators.
 * The manifest is validated again (a plan relies on what the validator guarantees).
 *
 * @throws PlanError listing every problem of the manifest, of `config`, of the input values
 *   and of the resolved services.
 */
export function resolvePlan(
  manifest: AppManifest,
  config: unknown,
  context: PlanContext,
): DeploymentPlan {
  const { id, shortId, dataRoot } = checkContext(context);
  const validation = validateManifest(manifest);
  if (!validation.valid) throw new PlanError(validation.problems);

  const appData = `${dataRoot}/${manifest.id}`;
  const read = readConfig(manifest, config, dataRoot);
  const problems = [...read.problems];
  const published = publishedPorts(manifest, read.config);
  problems.push(...portClashes(published));

  const takenPorts = new Set([...(context.usedPorts ?? []), ...published.map((p) => p.host)]);
  const resolved = resolveInputs(manifest, {
    overrides: read.config.inputs,
    previous: context.previousInputs ?? {},
    random: context.random ?? randomBytes,
    takenPorts,
  });
  problems.push(...resolved.problems);
  // Services are resolved only with every input known: a missing one would only echo as noise.
  if (problems.length > 0) throw new PlanError(problems);

  const prefix = `tomo-${shortId}`;
  const variables = substitutionVariables(resolved.inputs, {
    appId: manifest.id,
    installationId: id,
    appData,
  });
  const main = mainServiceOf(manifest);
  const services = manifest.services.map((service, index) =>
    planService(
      service,
      index,
      {
        appId: manifest.id,
        installationId: id,
        prefix,
        appData,
        variables,
        overrides: read.config.services.get(service.name),
        main: service === main,
      },
      problems,
    ),
  );
  if (problems.length > 0) throw new PlanError(problems);

  const ordered = startOrder(services);
  const volumes = new Set<string>();
  for (const service of ordered) {
    for (const volume of service.volumes) if (volume.kind === 'volume') volumes.add(volume.name);
  }
  return {
    appId: manifest.id,
    version: manifest.version,
    installationId: id,
    network: prefix,
    appData,
    inputs: resolved.inputs,
    secretInputs: resolved.secretInputs,
    volumes: [...volumes],
    services: ordered,
  };
}
