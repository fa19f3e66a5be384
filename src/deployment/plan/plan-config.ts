import { SERVICE_NAME_PATTERN } from '../../marketplace/manifest/manifest.schema';
import type { AppManifest, ManifestService } from '../../marketplace/manifest/manifest.types';
import type { PlanProblem } from './deployment-plan.types';
import {
  ENV_NAME,
  isAtOrBelow,
  isPlainObject,
  keyPath,
  LIMITS,
  LINE_BREAK_OR_NUL,
  normalizePath,
  ownValue,
  pathProblem,
  type PlainObject,
} from './plan-support';

// The `config` argument of install_app/deploy_app/update_app/run_preflight_checks (MANIFEST.md),
// checked at the edge against the manifest: every key names something the app declares.

/** A caller's value for one input, still to be checked against the input's type. */
export interface InputOverride {
  path: string;
  value: unknown;
}

/** `"3001/tcp": 13001` or `null` (unpublished). */
export interface PortOverride {
  path: string;
  host: number | null;
}

export interface EnvOverride {
  path: string;
  value: string;
}

/** A mount turned into a bind mount of `source` (absolute, normalised, under the data root). */
export interface VolumeOverride {
  path: string;
  source: string;
}

/** The overrides of one service, keyed by `"<port>/<proto>"`, variable name, normalised target. */
export interface ServiceOverrides {
  ports: Map<string, PortOverride>;
  env: Map<string, EnvOverride>;
  volumes: Map<string, VolumeOverride>;
}

export interface PlanConfig {
  inputs: Map<string, InputOverride>;
  /** By service name; services without overrides are absent. */
  services: Map<string, ServiceOverrides>;
}

const SECTIONS = ['inputs', 'ports', 'env', 'volumes'] as const;
type Section = (typeof SECTIONS)[number];
const SERVICE_NAME = new RegExp(SERVICE_NAME_PATTERN);
const PORT_KEY = /^(\d{1,5})\/(tcp|udp)$/;

/** The service the main flag names, or the first. */
export function mainServiceOf(manifest: AppManifest): ManifestService {
  const first = manifest.services[0];
  if (!first) throw new Error('a manifest has at least one service');
  return manifest.services.find((service) => service.main === true) ?? first;
}

/** `"3001/tcp"` of a manifest port. */
export function portKey(container: number, protocol: 'tcp' | 'udp' | undefined): string {
  return `${container}/${protocol ?? 'tcp'}`;
}

class ConfigReader {
  readonly problems: PlanProblem[] = [];
  readonly result: PlanConfig = { inputs: new Map(), services: new Map() };
  private readonly byName: Map<string, ManifestService>;
  private readonly main: ManifestService;

  constructor(
    private readonly manifest: AppManifest,
    private readonly dataRoot: string,
  ) {
    this.byName = new Map(manifest.services.map((service) => [service.name, service]));
    this.main = mainServiceOf(manifest);
  }

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** The section's own entries, or null (with a problem) when it is not an object or too big. */
  entries(config: PlainObject, section: Section): [string, unknown][] | null {
    const value = ownValue(config, section);
    if (value === undefined) return [];
    const path = `config.${section}`;
    if (!isPlainObject(value)) {
      this.problem(path, 'must be an object');
      return null;
    }
    const keys = Object.keys(value);
    if (keys.length > LIMITS.configKeys) {
      this.problem(path, `must have at most ${LIMITS.configKeys} keys`);
      return null;
    }
    return keys.map((key) => [key, value[key]]);
  }

  /** Splits `"db:rest"` into the service and the rest; a key without a prefix names the main one. */
  target(key: string, path: string, prefixed: boolean): [ManifestService, string] | null {
    if (!prefixed) return [this.main, key];
    const colon = key.indexOf(':');
    const name = key.slice(0, colon);
    const service = SERVICE_NAME.test(name) ? this.byName.get(name) : undefined;
    if (!service) {
      const known = this.manifest.services.map((s) => s.name).join(', ');
      this.problem(path, `"${name.slice(0, 64)}" is not a service of this app (${known})`);
      return null;
    }
    return [service, key.slice(colon + 1)];
  }

  overridesOf(service: ManifestService): ServiceOverrides {
    let overrides = this.result.services.get(service.name);
    if (!overrides) {
      overrides = { ports: new Map(), env: new Map(), volumes: new Map() };
      this.result.services.set(service.name, overrides);
    }
    return overrides;
  }

  /** Refuses a second key naming what an earlier key already named (`3001/tcp`, `web:3001/tcp`). */
  unique<T extends { path: string }>(map: Map<string, T>, key: string, entry: T): void {
    const earlier = map.get(key);
    if (earlier) this.problem(entry.path, `names the same thing as ${earlier.path}`);
    else map.set(key, entry);
  }

  inputs(entries: [string, unknown][]): void {
    const declared = new Set((this.manifest.inputs ?? []).map((input) => input.name));
    for (const [name, value] of entries) {
      const path = keyPath('config.inputs', name);
      if (!declared.has(name)) this.problem(path, 'is not an input of this app');
      else this.result.inputs.set(name, { path, value });
    }
  }

  ports(entries: [string, unknown][]): void {
    for (const [key, value] of entries) {
      const path = keyPath('config.ports', key);
      const target = this.target(key, path, key.includes(':'));
      if (!target) continue;
      const [service, rest] = target;
      const match = PORT_KEY.exec(rest);
      if (!match) {
        this.problem(path, 'must name a container port as "<port>/<tcp|udp>" or "<service>:…"');
        continue;
      }
      const wanted = `${Number(match[1])}/${match[2]}`;
      const declared = (service.ports ?? []).some(
        (p) => portKey(p.container, p.protocol) === wanted,
      );
      if (!declared) {
        this.problem(path, `service "${service.name}" declares no port ${wanted}`);
        continue;
      }
      const valid =
        value === null ||
        (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535);
      if (!valid) {
        this.problem(path, 'must be a host port (an integer from 1 to 65535) or null');
        continue;
      }
      this.unique(this.overridesOf(service).ports, wanted, { path, host: value });
    }
  }

  env(entries: [string, unknown][]): void {
    for (const [key, raw] of entries) {
      const path = keyPath('config.env', key);
      const target = this.target(key, path, key.includes(':'));
      if (!target) continue;
      const [service, name] = target;
      if (!ENV_NAME.test(name) || name.length > LIMITS.envName) {
        this.problem(path, `must name a variable matching ${ENV_NAME.source} (at most 128 chars)`);
        continue;
      }
      if (typeof raw === 'number' && !Number.isFinite(raw)) {
        this.problem(path, 'must be a finite number');
        continue;
      }
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
        this.problem(path, 'must be a string, a number or a boolean');
        continue;
      }
      const value = String(raw);
      const problem = envValueProblem(value);
      if (problem) this.problem(path, problem);
      else this.unique(this.overridesOf(service).env, name, { path, value });
    }
  }

  volumes(entries: [string, unknown][]): void {
    for (const [key, value] of entries) {
      const path = keyPath('config.volumes', key);
      const target = this.target(key, path, !key.startsWith('/') && key.includes(':'));
      if (!target) continue;
      const [service, container] = target;
      const containerProblem = pathProblem(container);
      if (containerProblem) {
        this.problem(path, `must name a container path: it ${containerProblem}`);
        continue;
      }
      const wanted = normalizePath(container);
      const mounted = (service.volumes ?? []).some(
        (volume) =>
          pathProblem(volume.container) === null && normalizePath(volume.container) === wanted,
      );
      if (!mounted) {
        this.problem(path, `service "${service.name}" mounts nothing at ${wanted}`);
        continue;
      }
      if (typeof value !== 'string') {
        this.problem(path, 'must be an absolute host path (a string)');
        continue;
      }
      const sourceProblem = pathProblem(value);
      const source = sourceProblem ? null : normalizePath(value);
      if (source === null) {
        this.problem(path, `the host path ${sourceProblem}`);
      } else if (source === this.dataRoot || !isAtOrBelow(source, this.dataRoot)) {
        this.problem(path, `the host path must lie under the data root (${this.dataRoot}/…)`);
      } else {
        this.unique(this.overridesOf(service).volumes, wanted, { path, source });
      }
    }
  }
}

/** Why an environment value cannot be passed, or null. */
export function envValueProblem(value: string): string | null {
  if (LINE_BREAK_OR_NUL.test(value)) return 'must not contain line breaks or NUL';
  if (value.length > LIMITS.envValue) return `must be at most ${LIMITS.envValue} characters`;
  return null;
}

/**
 * Checks the caller's `config` against the manifest: only `inputs`, `ports`, `env` and `volumes`,
 * each an object whose keys name a declared input, port or mount of the main service (or of
 * another one with a `"<service>:"` prefix), or a variable. Returns the overrides and every problem.
 * `dataRoot` must be normalised.
 */
export function readConfig(
  manifest: AppManifest,
  config: unknown,
  dataRoot: string,
): { config: PlanConfig; problems: PlanProblem[] } {
  const reader = new ConfigReader(manifest, dataRoot);
  if (config === undefined || config === null) return { config: reader.result, problems: [] };
  if (!isPlainObject(config)) {
    reader.problem('config', 'must be an object with inputs, ports, env and volumes');
    return { config: reader.result, problems: reader.problems };
  }
  for (const key of Object.keys(config)) {
    if (!(SECTIONS as readonly string[]).includes(key)) {
      reader.problem(keyPath('config', key), 'is not a known key (inputs, ports, env, volumes)');
    }
  }
  for (const section of SECTIONS) {
    const entries = reader.entries(config, section);
    if (entries) reader[section](entries);
  }
  return { config: reader.result, problems: reader.problems };
}
