import { Unrepresentable } from './importer';
import { isObj, type Obj, requirePinnedImages, textOf } from './importer-support';
import type { RuntipiVariables } from './runtipi-variables';

/**
 * Runtipi's two compose sources made into one Compose document for `composeServices`: the
 * dynamic `docker-compose.json` (a list of services in Runtipi's own camelCase schema) and the
 * native `docker-compose.yml` with `x-runtipi` blocks. Both say which service is main and which
 * container port Runtipi publishes on the app's port.
 */
export interface RuntipiCompose {
  compose: { services: Record<string, Obj> };
  /** The compose name of the service users open. */
  main?: string;
  /** Its container port that Runtipi publishes on `config.json.port`. */
  internalPort?: number;
  /** Architectures for which the store swaps in other settings (`overrides`). */
  overridden: string[];
}

/** Dynamic-compose keys that are Compose keys under another name. */
const RENAMED: Record<string, string> = {
  command: 'command',
  entrypoint: 'entrypoint',
  user: 'user',
  hostname: 'hostname',
  networkMode: 'network_mode',
  capAdd: 'cap_add',
  capDrop: 'cap_drop',
  devices: 'devices',
  privileged: 'privileged',
  tty: 'tty',
  stdinOpen: 'stdin_open',
  shmSize: 'shm_size',
  sysctls: 'sysctls',
  ulimits: 'ulimits',
  logging: 'logging',
  securityOpt: 'security_opt',
  stopSignal: 'stop_signal',
  stopGracePeriod: 'stop_grace_period',
  workingDir: 'working_dir',
  pid: 'pid',
  extraHosts: 'extra_hosts',
  extraLabels: 'labels',
  dependsOn: 'depends_on',
  deploy: 'deploy',
};

/** Keys read below, or without effect outside Runtipi (its main network). */
const HANDLED = new Set([
  'name',
  'image',
  'isMain',
  'internalPort',
  'environment',
  'volumes',
  'addPorts',
  'healthCheck',
  'addToMainNetwork',
]);

/** Checks the images before anything else, so an unpinned one is the reason an app is skipped. */
function refuseUnpinned(services: (readonly [string, unknown])[]): void {
  requirePinnedImages(
    services.flatMap(([name, raw]) =>
      isObj(raw) && typeof raw.image === 'string' ? [{ name, image: raw.image }] : [],
    ),
  );
}

function portOf(value: unknown, where: string): number {
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Unrepresentable(`${where}: "${String(value)}" is not a port`);
  }
  return port;
}

function refuseGpus(deploy: unknown): void {
  const reservations =
    isObj(deploy) && isObj(deploy.resources) ? deploy.resources.reservations : null;
  if (isObj(reservations) && reservations.devices !== undefined) {
    throw new Unrepresentable('needs GPUs (deploy.resources.reservations.devices)');
  }
}

function overriddenArchitectures(overrides: unknown): string[] {
  if (!Array.isArray(overrides)) return [];
  return overrides
    .filter(isObj)
    .filter((override) =>
      Array.isArray(override.services)
        ? override.services.length > 0
        : isObj(override.services) && Object.keys(override.services).length > 0,
    )
    .map((override) => String(override.architecture));
}

/** `docker-compose.json` (schemaVersion 2) → a Compose document. */
export function fromDynamicCompose(
  document: unknown,
  variables: RuntipiVariables,
  notes: string[],
): RuntipiCompose {
  if (!isObj(document) || !Array.isArray(document.services) || document.services.length === 0) {
    throw new Unrepresentable('docker-compose.json has no services');
  }
  const entries = document.services.map((raw, index) => {
    if (!isObj(raw))
      throw new Unrepresentable(`docker-compose.json services[${index}] is not a map`);
    const name = textOf(raw.name);
    if (!name) throw new Unrepresentable(`docker-compose.json services[${index}] has no name`);
    return [name, raw] as const;
  });
  // The most common refusal first, so it is the reason shown.
  refuseUnpinned(entries);

  const result: RuntipiCompose = {
    compose: { services: {} },
    overridden: overriddenArchitectures(document.overrides),
  };
  for (const [name, raw] of entries) {
    if (result.compose.services[name])
      throw new Unrepresentable(`service "${name}" is listed twice`);
    const where = `services.${name}`;
    const service: Obj = { image: raw.image };
    for (const [key, value] of Object.entries(raw)) {
      if (value === undefined || value === null || HANDLED.has(key)) continue;
      const composeKey = RENAMED[key];
      if (composeKey) service[composeKey] = value;
      else if (key === 'readOnly') {
        if (value === true) notes.push(`${where}: the read-only root file system is left out`);
      } else notes.push(`${where}: ${key} is not a known dynamic-compose key; left out`);
    }
    refuseGpus(raw.deploy);
    service.environment = environmentOf(raw.environment, where);
    service.volumes = volumesOf(raw.volumes, where);
    service.ports = addPortsOf(raw.addPorts, where, variables);
    if (isObj(raw.healthCheck)) {
      const check = raw.healthCheck;
      service.healthcheck = {
        test: check.test,
        interval: check.interval,
        timeout: check.timeout,
        retries: check.retries,
        start_period: check.startPeriod,
      };
    }
    if (raw.isMain === true) {
      if (result.main === undefined) {
        result.main = name;
        if (raw.internalPort !== undefined) {
          result.internalPort = portOf(raw.internalPort, `${where}.internalPort`);
        }
      } else {
        notes.push(`${where} is also marked main; ${result.main} is the main service`);
      }
    }
    result.compose.services[name] = service;
  }
  return result;
}

function environmentOf(value: unknown, where: string): Obj | undefined {
  if (value === undefined || value === null || isObj(value)) return value ?? undefined;
  if (!Array.isArray(value)) throw new Unrepresentable(`${where}.environment is not a list`);
  const environment: Obj = {};
  value.forEach((entry, index) => {
    const key = isObj(entry) ? textOf(entry.key) : undefined;
    if (!isObj(entry) || !key) {
      throw new Unrepresentable(`${where}.environment[${index}] has no key`);
    }
    environment[key] = entry.value ?? '';
  });
  return environment;
}

function volumesOf(value: unknown, where: string): Obj[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new Unrepresentable(`${where}.volumes is not a list`);
  return value.map((entry, index) => {
    if (
      !isObj(entry) ||
      typeof entry.hostPath !== 'string' ||
      typeof entry.containerPath !== 'string'
    ) {
      throw new Unrepresentable(`${where}.volumes[${index}] needs a hostPath and a containerPath`);
    }
    return {
      type: 'bind',
      source: entry.hostPath,
      target: entry.containerPath,
      read_only: entry.readOnly === true,
    };
  });
}

/** `addPorts` → Compose long-syntax ports, one per protocol. */
function addPortsOf(value: unknown, where: string, variables: RuntipiVariables): Obj[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new Unrepresentable(`${where}.addPorts is not a list`);
  return value.flatMap((entry, index) => {
    const at = `${where}.addPorts[${index}]`;
    if (!isObj(entry)) throw new Unrepresentable(`${at} is not a map`);
    const everywhere = variables.bindsAllInterfaces(entry.interface, at);
    const protocols = [
      ...(entry.tcp === true || (entry.tcp === undefined && entry.udp !== true) ? ['tcp'] : []),
      ...(entry.udp === true ? ['udp'] : []),
    ];
    return protocols.map((protocol) => ({
      target: portOf(entry.containerPort, `${at}.containerPort`),
      published: String(portOf(entry.hostPort, `${at}.hostPort`)),
      protocol,
      // compose.ts leaves a port bound to one address unpublished, with a note.
      ...(everywhere ? {} : { host_ip: String(entry.interface) }),
    }));
  });
}

/** A native `docker-compose.yml` with `x-runtipi` blocks → the same shape. */
export function fromNativeCompose(document: Obj): RuntipiCompose {
  if (!isObj(document.services) || Object.keys(document.services).length === 0) {
    throw new Unrepresentable('docker-compose.yml has no services');
  }
  const services = document.services as Record<string, Obj>;
  refuseUnpinned(Object.entries(services));
  const result: RuntipiCompose = {
    compose: { services },
    overridden: overriddenArchitectures(
      isObj(document['x-runtipi']) ? document['x-runtipi'].overrides : undefined,
    ),
  };
  for (const [name, raw] of Object.entries(services)) {
    const runtipi = isObj(raw) ? raw['x-runtipi'] : undefined;
    if (isObj(runtipi) && runtipi.is_main === true && result.main === undefined) {
      result.main = name;
      if (runtipi.internal_port !== undefined) {
        result.internalPort = portOf(
          runtipi.internal_port,
          `services.${name}.x-runtipi.internal_port`,
        );
      }
    }
    if (isObj(raw)) refuseGpus(raw.deploy);
  }
  return result;
}
