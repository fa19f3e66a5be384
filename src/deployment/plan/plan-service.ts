import { checkImageReference } from '../../marketplace/manifest/image-reference';
import type { ManifestService } from '../../marketplace/manifest/manifest.types';
import type {
  PlannedHealthcheck,
  PlannedPort,
  PlannedService,
  PlannedVolume,
  PlanProblem,
} from './deployment-plan.types';
import { envValueProblem, portKey, type ServiceOverrides } from './plan-config';
import { substitute, type Variables } from './plan-substitution';
import {
  isAtOrBelow,
  keyPath,
  LIMITS,
  LINE_BREAK_OR_NUL,
  normalizePath,
  pathProblem,
  setOwn,
} from './plan-support';

/** What one service needs besides its manifest entry. */
export interface ServicePlanContext {
  appId: string;
  installationId: string;
  /** `tomo-<short id>`: the prefix of containers and volumes. */
  prefix: string;
  appData: string;
  variables: Variables;
  /** The caller's overrides of this service, if any. */
  overrides: ServiceOverrides | undefined;
  main: boolean;
}

/** Docker's healthcheck defaults, made explicit. */
const HEALTHCHECK_DEFAULTS = { interval_s: 30, timeout_s: 30, retries: 3, start_period_s: 0 };
const HEALTHCHECK_KINDS = ['NONE', 'CMD', 'CMD-SHELL'];

/** Builds one PlannedService, recording problems as it goes (it is not returned when any were). */
class ServicePlanner {
  constructor(
    private readonly service: ManifestService,
    private readonly at: string,
    private readonly context: ServicePlanContext,
    private readonly problems: PlanProblem[],
  ) {}

  private problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** The string with its `${…}` resolved, or null after a problem. */
  private resolve(path: string, value: string): string | null {
    const resolved = substitute(value, this.context.variables);
    if (typeof resolved === 'string') return resolved;
    this.problem(path, resolved.problem);
    return null;
  }

  image(): string {
    const path = `${this.at}.image`;
    const raw = this.service.image;
    const image = this.resolve(path, raw) ?? raw;
    const problem = checkImageReference(image);
    if (problem) {
      // The resolved image may hold input values: name the manifest's text, not the result.
      this.problem(
        path,
        image === raw ? problem : `"${raw}" does not resolve to a valid, pinned image reference`,
      );
    }
    return image;
  }

  /** A command, entrypoint or healthcheck test: each argument passed as one word, one line. */
  argv(path: string, args: string[] | undefined): string[] | null {
    if (!args || args.length === 0) return null;
    return args.map((arg, i) => {
      const value = this.resolve(`${path}[${i}]`, arg) ?? '';
      // SECURITY_CHECKLIST 25: no CR, LF or NUL in anything that reaches a command line (the
      // SSH route quotes each argument, but a line break must never get that far).
      if (LINE_BREAK_OR_NUL.test(value)) {
        this.problem(
          `${path}[${i}]`,
          'must not contain line breaks or NUL (join script lines with ";")',
        );
      }
      if (value.length > LIMITS.argument) {
        this.problem(`${path}[${i}]`, `must be at most ${LIMITS.argument} characters`);
      }
      return value;
    });
  }

  env(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, raw] of Object.entries(this.service.env ?? {})) {
      const path = keyPath(`${this.at}.env`, name);
      const value = typeof raw === 'string' ? this.resolve(path, raw) : String(raw);
      if (value === null) continue;
      const problem = envValueProblem(value);
      if (problem) this.problem(path, problem);
      setOwn(env, name, value);
    }
    // The caller's values are literal: checked when `config` was read, never substituted.
    for (const [name, override] of this.context.overrides?.env ?? [])
      setOwn(env, name, override.value);
    if (Object.keys(env).length > LIMITS.envPerService) {
      this.problem(`${this.at}.env`, `must have at most ${LIMITS.envPerService} variables`);
    }
    return env;
  }

  ports(): PlannedPort[] {
    return (this.service.ports ?? []).map((port) => {
      const override = this.context.overrides?.ports.get(portKey(port.container, port.protocol));
      return {
        container: port.container,
        host: override ? override.host : (port.host ?? null),
        protocol: port.protocol ?? 'tcp',
        main: port.main === true,
      };
    });
  }

  volumes(): PlannedVolume[] {
    const targets = new Set<string>();
    const volumes: PlannedVolume[] = [];
    (this.service.volumes ?? []).forEach((volume, index) => {
      const path = `${this.at}.volumes[${index}]`;
      const targetProblem = pathProblem(volume.container);
      if (targetProblem) return this.problem(`${path}.container`, targetProblem);
      const target = normalizePath(volume.container);
      if (target === '/') return this.problem(`${path}.container`, 'cannot be the root');
      if (targets.has(target))
        return this.problem(`${path}.container`, `${target} is mounted twice`);
      targets.add(target);
      const readOnly = volume.mode === 'ro';
      const override = this.context.overrides?.volumes.get(target);
      if (override) {
        volumes.push({ kind: 'bind', source: override.source, target, readOnly });
      } else if (volume.name !== undefined) {
        volumes.push({
          kind: 'volume',
          name: `${this.context.prefix}-${volume.name}`,
          target,
          readOnly,
        });
      } else if (volume.host !== undefined) {
        const source = this.bindSource(`${path}.host`, volume.host);
        if (source !== null) volumes.push({ kind: 'bind', source, target, readOnly });
      }
    });
    return volumes;
  }

  /** `${app_data}/x` → `<appData>/x`, normalised; null after a problem when it leaves appData. */
  private bindSource(path: string, raw: string): string | null {
    const resolved = this.resolve(path, raw);
    if (resolved === null) return null;
    const problem = pathProblem(resolved);
    if (problem) {
      this.problem(path, `resolves to a path that ${problem}`);
      return null;
    }
    const source = normalizePath(resolved);
    if (!isAtOrBelow(source, this.context.appData)) {
      this.problem(path, "must lie under ${app_data} (the app's directory under the data root)");
      return null;
    }
    return source;
  }

  healthcheck(): PlannedHealthcheck | null {
    const healthcheck = this.service.healthcheck;
    if (!healthcheck) return null;
    const path = `${this.at}.healthcheck.test`;
    const test = this.argv(path, healthcheck.test) ?? [];
    if (!HEALTHCHECK_KINDS.includes(test[0] ?? '')) {
      this.problem(`${path}[0]`, 'must be CMD, CMD-SHELL or NONE');
    }
    return {
      test,
      interval_s: healthcheck.interval_s ?? HEALTHCHECK_DEFAULTS.interval_s,
      timeout_s: healthcheck.timeout_s ?? HEALTHCHECK_DEFAULTS.timeout_s,
      retries: healthcheck.retries ?? HEALTHCHECK_DEFAULTS.retries,
      start_period_s: healthcheck.start_period_s ?? HEALTHCHECK_DEFAULTS.start_period_s,
    };
  }

  /** The manifest's labels, then Tomo's own; a manifest cannot set a `tomo.` label. */
  labels(): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const [key, raw] of Object.entries(this.service.labels ?? {})) {
      const path = keyPath(`${this.at}.labels`, key);
      if (key.toLowerCase().startsWith('tomo.')) {
        this.problem(path, 'labels starting with "tomo." are reserved for Tomo');
        continue;
      }
      const value = this.resolve(path, raw);
      if (value === null) continue;
      if (LINE_BREAK_OR_NUL.test(value)) this.problem(path, 'must not contain line breaks or NUL');
      if (value.length > LIMITS.labelValue) {
        this.problem(path, `must be at most ${LIMITS.labelValue} characters`);
      }
      setOwn(labels, key, value);
    }
    labels['tomo.installation'] = this.context.installationId;
    labels['tomo.app'] = this.context.appId;
    labels['tomo.service'] = this.service.name;
    return labels;
  }
}

/** One service of the plan: substitutions made, overrides applied, names derived. */
export function planService(
  service: ManifestService,
  index: number,
  context: ServicePlanContext,
  problems: PlanProblem[],
): PlannedService {
  const at = `services[${index}]`;
  const planner = new ServicePlanner(service, at, context, problems);
  return {
    name: service.name,
    containerName: `${context.prefix}-${service.name}`,
    image: planner.image(),
    pull: service.pull ?? 'missing',
    command: planner.argv(`${at}.command`, service.command),
    entrypoint: planner.argv(`${at}.entrypoint`, service.entrypoint),
    env: planner.env(),
    ports: planner.ports(),
    volumes: planner.volumes(),
    healthcheck: planner.healthcheck(),
    restart: service.restart ?? 'unless-stopped',
    user: service.user ?? null,
    capabilities: [...(service.capabilities ?? [])],
    labels: planner.labels(),
    aliases: [service.name],
    dependsOn: [...(service.depends_on ?? [])],
    main: context.main,
  };
}
