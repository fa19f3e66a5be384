import Ajv2020, { ErrorObject } from 'ajv/dist/2020';
import { MANIFEST_SCHEMA, ONE_LINE_PATTERN } from './manifest.schema';
import type { AppManifest, ManifestProblem, ManifestService } from './manifest.types';
import { checkImageReference } from './image-reference';
import { checkSubstitutions } from './substitutions';

const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictRequired: false,
});
const validateSchema = ajv.compile<AppManifest>(MANIFEST_SCHEMA);

/** Schema errors worth showing: Ajv's `oneOf`/`if` wrappers repeat what the branches said. */
function schemaProblems(errors: ErrorObject[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const error of errors) {
    const path = pointerToPath(error.instancePath);
    switch (error.keyword) {
      case 'additionalProperties':
        problems.push({
          path: joinPath(path, String(error.params.additionalProperty)),
          message: 'is not a known key (only x- keys may be added)',
        });
        break;
      case 'enum':
        problems.push({
          path,
          message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        });
        break;
      case 'oneOf':
        if (path.includes('volumes')) {
          problems.push({ path, message: 'needs exactly one of "name" (a volume) or "host"' });
        }
        break;
      case 'required':
        problems.push({
          path: joinPath(path, String(error.params.missingProperty)),
          message: 'is required',
        });
        break;
      case 'propertyNames':
        break; // the pattern error on the name itself says it better
      case 'pattern':
        problems.push({
          path: error.propertyName ? joinPath(path, error.propertyName) : path,
          message:
            error.params.pattern === ONE_LINE_PATTERN
              ? 'must not contain line breaks or NUL (join script lines with ";")'
              : (error.message ?? 'is invalid'),
        });
        break;
      default:
        problems.push({
          path: error.propertyName ? joinPath(path, error.propertyName) : path,
          message: error.message ?? 'is invalid',
        });
    }
  }
  return dedupe(problems);
}

/** `/services/0/image` → `services[0].image`. */
export function pointerToPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(part) ? `${path}[${part}]` : joinPath(path, part);
  }
  return path || '(manifest)';
}

function joinPath(path: string, key: string): string {
  const safeKey = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return path && path !== '(manifest)' ? `${path}.${safeKey}` : safeKey;
}

function dedupe(problems: ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\0${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What the schema cannot say: references between parts, uniqueness, cycles, pinned images. */
function semanticProblems(manifest: AppManifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const services = manifest.services;
  const names = new Map<string, number>();
  services.forEach((service, index) => {
    if (names.has(service.name)) {
      problems.push({
        path: `services[${index}].name`,
        message: `"${service.name}" is used twice`,
      });
    }
    names.set(service.name, index);
    // An image built from an input (`app:${inputs.TAG}`) is checked once substituted, at deploy.
    const imageProblem = service.image.includes('${') ? null : checkImageReference(service.image);
    if (imageProblem) problems.push({ path: `services[${index}].image`, message: imageProblem });
    for (const key of Object.keys(service.labels ?? {})) {
      if (/^tomo\./i.test(key)) {
        problems.push({
          path: `services[${index}].labels[${JSON.stringify(key)}]`,
          message: 'labels starting with "tomo." are reserved for Tomo',
        });
      }
    }
  });

  services.forEach((service, index) => {
    for (const dependency of service.depends_on ?? []) {
      if (dependency === service.name) {
        problems.push({
          path: `services[${index}].depends_on`,
          message: 'a service cannot depend on itself',
        });
      } else if (!names.has(dependency)) {
        problems.push({
          path: `services[${index}].depends_on`,
          message: `"${dependency}" is not a service of this app`,
        });
      }
    }
  });
  const cycle = findCycle(services);
  if (cycle) {
    problems.push({ path: 'services', message: `depends_on forms a cycle: ${cycle.join(' → ')}` });
  }

  const mains = services.filter((service) => service.main === true);
  if (mains.length > 1) {
    problems.push({
      path: 'services',
      message: `exactly one service may be main (${mains.map((s) => s.name).join(', ')} are)`,
    });
  }

  const published = new Map<string, string>();
  let mainPorts = 0;
  services.forEach((service, index) => {
    (service.ports ?? []).forEach((port, portIndex) => {
      if (port.main) mainPorts += 1;
      if (port.host === null || port.host === undefined) return;
      const key = `${port.host}/${port.protocol ?? 'tcp'}`;
      const path = `services[${index}].ports[${portIndex}].host`;
      const other = published.get(key);
      if (other) problems.push({ path, message: `host port ${key} is also published by ${other}` });
      else published.set(key, `services[${index}]`);
    });
    (service.volumes ?? []).forEach((volume, volumeIndex) => {
      if (volume.host === undefined) return;
      const path = `services[${index}].volumes[${volumeIndex}].host`;
      if (!/^\$\{app_data\}(\/|$)/.test(volume.host)) {
        problems.push({
          path,
          message:
            "a bind mount must lie under ${app_data} (the app's directory under the data root)",
        });
      } else if (volume.host.split('/').some((segment) => segment === '..')) {
        problems.push({ path, message: 'must not contain ".." segments' });
      }
    });
  });
  if (mainPorts > 1) problems.push({ path: 'services', message: 'at most one port may be main' });

  const inputNames = new Set<string>();
  (manifest.inputs ?? []).forEach((input, index) => {
    const path = `inputs[${index}]`;
    if (inputNames.has(input.name)) {
      problems.push({ path: `${path}.name`, message: `"${input.name}" is declared twice` });
    }
    inputNames.add(input.name);
    if (input.type === 'select' && !(input.options && input.options.length > 0)) {
      problems.push({ path: `${path}.options`, message: 'a select input needs options' });
    }
    if (input.pattern) {
      try {
        new RegExp(input.pattern, 'u');
      } catch {
        problems.push({ path: `${path}.pattern`, message: 'is not a valid regular expression' });
      }
    }
  });
  problems.push(...checkSubstitutions(manifest, inputNames));
  return problems;
}

function findCycle(services: ManifestService[]): string[] | null {
  const byName = new Map(services.map((service) => [service.name, service]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dependency of byName.get(name)?.depends_on ?? []) {
      if (dependency === name || !byName.has(dependency)) continue;
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return null;
  };
  for (const service of services) {
    const cycle = visit(service.name);
    if (cycle) return cycle;
  }
  return null;
}

export type ManifestValidation =
  | { valid: true; manifest: AppManifest; problems: [] }
  | { valid: false; problems: ManifestProblem[] };

/** Validates a parsed manifest against the schema, then against the rules between its parts. */
export function validateManifest(value: unknown): ManifestValidation {
  if (!validateSchema(value)) {
    return { valid: false, problems: schemaProblems(validateSchema.errors ?? []) };
  }
  const problems = semanticProblems(value);
  return problems.length > 0
    ? { valid: false, problems }
    : { valid: true, manifest: value, problems: [] };
}

/** "services[0].image: must be pinned …; inputs[1].name: …" (the first few), for one message. */
export function describeProblems(problems: ManifestProblem[], max = 5): string {
  const shown = problems.slice(0, max).map((problem) => `${problem.path}: ${problem.message}`);
  const more = problems.length > max ? ` (and ${problems.length - max} more)` : '';
  return `${shown.join('; ')}${more}`;
}
