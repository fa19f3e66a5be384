import { ALLOWED_CAPABILITIES } from '../manifest/manifest.schema';
import type {
  ManifestHealthcheck,
  ManifestPort,
  ManifestService,
  ManifestVolume,
} from '../manifest/manifest.types';
import { Unrepresentable } from './importer';

/**
 * Docker Compose services → manifest services, shared by the store formats built on Compose
 * (CasaOS, Runtipi, Umbrel, Dokploy, Portainer stacks). What the manifest cannot say either
 * stops the app (Unrepresentable, with the reason) or, when harmless, is left out with a note.
 */
export interface ComposeOptions {
  /** Rewrites a string from the store's placeholder syntax to the manifest's; may throw. */
  substitute: (value: string, where: string) => string;
  /**
   * Maps a bind mount's host path (after substitute) to `${app_data}/…`, or null when it is not
   * the app's own data (a system path). The default maps relative paths (`./data`).
   */
  hostPath?: (source: string) => string | null;
  /** Collects what was left out or changed. */
  notes: string[];
}

type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sets an own property even for keys like `__proto__`, which plain assignment would not add. */
function setOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A string, number or boolean as text; anything else is not something compose allows there. */
function scalar(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Unrepresentable(`${where} is not a plain value`);
}

/** Keys with no effect Tomo must reproduce; left out with a note. */
const IGNORED_KEYS = new Set([
  'container_name',
  'hostname',
  'domainname',
  'networks',
  'logging',
  'expose',
  'stop_grace_period',
  'stop_signal',
  'init',
  'tty',
  'stdin_open',
  'extra_hosts',
  'dns',
  'dns_search',
  'shm_size',
  'ulimits',
  'tmpfs',
  'deploy',
  'mem_limit',
  'mem_reservation',
  'memswap_limit',
  'cpus',
  'cpu_shares',
  'pull_policy',
  'platform',
  'links',
  'x-casaos',
  'x-runtipi',
]);

/** Keys that change what the container may do to its host: the app cannot be represented. */
const REFUSED_KEYS: Record<string, string> = {
  devices: 'needs host devices (devices:)',
  env_file: 'reads its environment from files beside the compose file (env_file:)',
  working_dir: 'sets a working directory (working_dir:), which the manifest cannot express',
  sysctls: 'changes kernel parameters (sysctls:)',
  cgroup_parent: 'needs a custom cgroup (cgroup_parent:)',
  runtime: 'needs a special container runtime (runtime:)',
  device_cgroup_rules: 'needs device access rules (device_cgroup_rules:)',
  volumes_from: 'mounts the volumes of another container (volumes_from:)',
  configs: 'uses Compose configs, which the manifest cannot express',
  secrets: 'uses Compose secrets, which the manifest cannot express',
  extends: 'extends another compose file',
  gpus: 'needs GPUs',
};

const SYSTEM_READ_ONLY = new Set(['/etc/localtime', '/etc/timezone']);

export function defaultHostPath(source: string): string | null {
  if (source === '.' || source === './') return '${app_data}';
  if (source.startsWith('./')) return `\${app_data}/${source.slice(2).replace(/\/+$/, '')}`;
  if (source.startsWith('${app_data}')) return source;
  return null;
}

/** A compose service name made into a manifest one (`Web_UI` → `web-ui`). */
export function serviceNameOf(name: string): string {
  const converted = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  if (!converted) throw new Unrepresentable(`service "${name}" has no usable name`);
  return converted;
}

/** "1m30s" → 90; numbers are taken as seconds. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Math.max(1, Math.round(value));
  if (typeof value !== 'string') return undefined;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  let total = 0;
  let matched = false;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|m|s)/g)) {
    total += Number(match[1]) * (units[match[2] ?? 's'] ?? 1);
    matched = true;
  }
  return matched ? Math.max(1, Math.round(total)) : undefined;
}

/** A compose command string split as a shell would split words (quotes honoured, no expansion). */
export function splitCommand(value: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let inWord = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && i + 1 < value.length) current += value[++i];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < value.length) {
      current += value[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new Unrepresentable(`has an unbalanced quote in "${value.slice(0, 60)}"`);
  if (inWord) words.push(current);
  return words;
}

function argvOf(value: unknown, where: string, options: ComposeOptions): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const words = typeof value === 'string' ? splitCommand(value) : value;
  if (!Array.isArray(words)) throw new Unrepresentable(`${where} is neither a string nor a list`);
  return words.map((word, index) => {
    const text = String(word);
    if (/[\r\n\0]/.test(text)) {
      // Tomo passes one line per argument (SECURITY_CHECKLIST 25); joining lines with ";" would
      // change what some scripts mean, so the app is reported instead.
      throw new Unrepresentable(
        `${where}[${index}] is a multi-line script; Tomo passes each argument as one line`,
      );
    }
    return options.substitute(text, `${where}[${index}]`);
  });
}

function envOf(value: unknown, where: string, options: ComposeOptions): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (key: string, raw: unknown) => {
    if (raw === null || raw === undefined) {
      options.notes.push(
        `${where}.${key}: has no value in the store (passed through from the host there); left out`,
      );
      return;
    }
    setOwn(env, key, options.substitute(scalar(raw, `${where}.${key}`), `${where}.${key}`));
  };
  if (Array.isArray(value)) {
    for (const entry of value) {
      const text = scalar(entry, where);
      const at = text.indexOf('=');
      if (at < 0) set(text, null);
      else set(text.slice(0, at), text.slice(at + 1));
    }
  } else if (isObj(value)) {
    for (const [key, raw] of Object.entries(value)) set(key, raw);
  } else if (value !== undefined && value !== null) {
    throw new Unrepresentable(`${where} is neither a list nor a map`);
  }
  return env;
}

function portNumber(text: string, where: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new Unrepresentable(
      `${where}: "${text}" is not a single port (ranges are not supported)`,
    );
  }
  return Number(text);
}

function portsOf(value: unknown, where: string, options: ComposeOptions): ManifestPort[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Unrepresentable(`${where} is not a list`);
  return value.map((entry, index): ManifestPort => {
    const at = `${where}[${index}]`;
    if (isObj(entry)) {
      const protocol = entry.protocol === 'udp' ? 'udp' : 'tcp';
      const published =
        entry.published === undefined ? null : options.substitute(scalar(entry.published, at), at);
      const hostIp = typeof entry.host_ip === 'string' ? entry.host_ip : undefined;
      return publish(
        portNumber(scalar(entry.target, at), at),
        published,
        protocol,
        hostIp,
        at,
        options,
      );
    }
    const text = options.substitute(scalar(entry, at), at);
    const [spec, proto] = text.split('/');
    const protocol = proto === 'udp' ? 'udp' : 'tcp';
    const parts = (spec ?? '').split(':');
    const container = parts.pop() ?? '';
    const host = parts.pop() ?? null;
    const hostIp = parts.length > 0 ? parts.join(':') : undefined;
    return publish(portNumber(container, at), host, protocol, hostIp, at, options);
  });
}

function publish(
  container: number,
  host: string | null,
  protocol: 'tcp' | 'udp',
  hostIp: string | undefined,
  where: string,
  options: ComposeOptions,
): ManifestPort {
  if (hostIp && !['0.0.0.0', '::', '[::]'].includes(hostIp)) {
    options.notes.push(
      `${where}: was bound to ${hostIp} only; Tomo publishes on all interfaces, so it is left unpublished (publish it with config.ports if wanted)`,
    );
    return { container, host: null, protocol };
  }
  if (host === null || host === '') return { container, host: null, protocol };
  if (host.includes('${')) {
    throw new Unrepresentable(
      `${where}: the host port comes from a setting ("${host}"), which the manifest cannot express`,
    );
  }
  return { container, host: portNumber(host, where), protocol };
}

function volumesOf(value: unknown, where: string, options: ComposeOptions): ManifestVolume[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Unrepresentable(`${where} is not a list`);
  const volumes: ManifestVolume[] = [];
  value.forEach((entry, index) => {
    const at = `${where}[${index}]`;
    let source: string | undefined;
    let target: string;
    let readOnly = false;
    let type: string | undefined;
    if (isObj(entry)) {
      type = typeof entry.type === 'string' ? entry.type : undefined;
      source =
        entry.source === undefined ? undefined : options.substitute(scalar(entry.source, at), at);
      target = scalar(entry.target ?? '', at);
      readOnly = entry.read_only === true;
      if (type === 'tmpfs') {
        options.notes.push(`${at}: a tmpfs mount at ${target} is left out`);
        return;
      }
    } else {
      const parts = options.substitute(scalar(entry, at), at).split(':');
      if (parts.length === 1) {
        target = parts[0] ?? '';
      } else {
        source = parts[0];
        target = parts[1] ?? '';
        readOnly = (parts[2] ?? '').split(',').includes('ro');
      }
    }
    if (!target.startsWith('/'))
      throw new Unrepresentable(`${at}: "${target}" is not an absolute container path`);
    const mode = readOnly ? 'ro' : undefined;
    if (source === undefined) {
      volumes.push({ name: volumeNameOf(target), container: target, ...(mode ? { mode } : {}) });
      return;
    }
    const named =
      type === 'volume' ||
      (type === undefined &&
        !source.includes('/') &&
        !source.startsWith('.') &&
        !source.startsWith('$'));
    if (named) {
      volumes.push({ name: volumeNameOf(source), container: target, ...(mode ? { mode } : {}) });
      return;
    }
    if (/docker\.sock$|^\/var\/run\/docker|^\/run\/docker/.test(source)) {
      throw new Unrepresentable(
        `needs the Docker socket (${source}), which gives full control of the host`,
      );
    }
    const host = (options.hostPath ?? defaultHostPath)(source);
    if (host === null) {
      if (readOnly && SYSTEM_READ_ONLY.has(source)) {
        options.notes.push(`${at}: the read-only mount of ${source} is left out (set TZ instead)`);
        return;
      }
      throw new Unrepresentable(`mounts the host path ${source}, outside the app's data directory`);
    }
    volumes.push({ host, container: target, ...(mode ? { mode } : {}) });
  });
  return volumes;
}

/** A compose volume name made into a manifest one. */
function volumeNameOf(name: string): string {
  return serviceNameOf(name.replace(/^\//, ''));
}

function healthcheckOf(
  value: unknown,
  where: string,
  options: ComposeOptions,
): ManifestHealthcheck | undefined {
  if (!isObj(value)) return undefined;
  if (value.disable === true) return undefined;
  let test = value.test;
  if (typeof test === 'string') test = ['CMD-SHELL', test];
  if (!Array.isArray(test) || test.length === 0) return undefined;
  if (test[0] === 'NONE') return undefined;
  const healthcheck: ManifestHealthcheck = {
    test: test.map((part, index) => options.substitute(String(part), `${where}.test[${index}]`)),
  };
  const interval = durationSeconds(value.interval);
  const timeout = durationSeconds(value.timeout);
  const startPeriod = durationSeconds(value.start_period);
  if (interval !== undefined) healthcheck.interval_s = Math.min(interval, 3600);
  if (timeout !== undefined) healthcheck.timeout_s = Math.min(timeout, 3600);
  if (typeof value.retries === 'number')
    healthcheck.retries = Math.min(Math.max(0, value.retries), 100);
  if (startPeriod !== undefined) healthcheck.start_period_s = Math.min(startPeriod, 3600);
  return healthcheck;
}

function restartOf(
  value: unknown,
  where: string,
  options: ComposeOptions,
): ManifestService['restart'] {
  if (value === undefined || value === null) return undefined;
  const text = scalar(value, where);
  if (text === 'no' || text === 'always' || text === 'unless-stopped') return text;
  if (text.startsWith('on-failure')) {
    if (text !== 'on-failure')
      options.notes.push(`${where}: "${text}" becomes "on-failure" (no retry limit)`);
    return 'on-failure';
  }
  throw new Unrepresentable(`${where}: unknown restart policy "${text}"`);
}

function labelsOf(
  value: unknown,
  where: string,
  options: ComposeOptions,
): Record<string, string> | undefined {
  const env = envOf(value, where, { ...options, notes: [] });
  const labels: Record<string, string> = {};
  for (const [key, text] of Object.entries(env)) {
    if (/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/.test(key) && !key.startsWith('tomo.'))
      setOwn(labels, key, text);
    else options.notes.push(`${where}: label "${key}" is left out`);
  }
  return Object.keys(labels).length > 0 ? labels : undefined;
}

function checkPrivileges(service: Obj, where: string, options: ComposeOptions): string[] {
  if (service.privileged === true) throw new Unrepresentable('runs a privileged container');
  const mode = typeof service.network_mode === 'string' ? service.network_mode : undefined;
  if (mode === 'host') throw new Unrepresentable('needs the host network (network_mode: host)');
  if (mode && mode !== 'bridge' && mode !== 'default') {
    throw new Unrepresentable(`shares another container's network (network_mode: ${mode})`);
  }
  for (const key of ['pid', 'ipc', 'uts', 'userns_mode'] as const) {
    if (service[key] === 'host')
      throw new Unrepresentable(
        `uses the host's ${key === 'userns_mode' ? 'user' : key.toUpperCase()} namespace (${key}: host)`,
      );
  }
  for (const option of Array.isArray(service.security_opt) ? service.security_opt : []) {
    if (/unconfined/.test(String(option))) {
      throw new Unrepresentable(`turns off a security profile (security_opt: ${String(option)})`);
    }
  }
  for (const [key, reason] of Object.entries(REFUSED_KEYS)) {
    if (service[key] !== undefined) throw new Unrepresentable(reason);
  }
  const allowed = new Set<string>(ALLOWED_CAPABILITIES);
  const capabilities: string[] = [];
  for (const raw of Array.isArray(service.cap_add) ? service.cap_add : []) {
    const capability = String(raw).toUpperCase().replace(/^CAP_/, '');
    if (!allowed.has(capability)) throw new Unrepresentable(`needs the capability ${capability}`);
    capabilities.push(capability);
  }
  if (service.cap_drop !== undefined)
    options.notes.push(`${where}.cap_drop is left out (Docker's defaults apply)`);
  return [...new Set(capabilities)];
}

/**
 * Converts `services:` of a compose document. `main` names the service users open (a compose
 * name); without it the first service is main.
 */
export function composeServices(
  compose: unknown,
  options: ComposeOptions,
  main?: string,
): ManifestService[] {
  if (!isObj(compose) || !isObj(compose.services) || Object.keys(compose.services).length === 0) {
    throw new Unrepresentable('the compose file has no services');
  }
  const names = new Map<string, string>();
  for (const name of Object.keys(compose.services)) {
    const converted = serviceNameOf(name);
    if ([...names.values()].includes(converted)) {
      throw new Unrepresentable(`services "${name}" and another both become "${converted}"`);
    }
    names.set(name, converted);
  }
  if (main !== undefined && !names.has(main)) {
    options.notes.push(
      `the store names "${main}" as the main service, which does not exist; the first service is main`,
    );
    main = undefined;
  }
  const services: ManifestService[] = [];
  for (const [name, raw] of Object.entries(compose.services)) {
    const where = `services.${name}`;
    if (!isObj(raw)) throw new Unrepresentable(`${where} is not a map`);
    if (typeof raw.image !== 'string' || raw.image === '') {
      throw new Unrepresentable(
        raw.build !== undefined
          ? `service "${name}" is built from source (build:), which Tomo does not do`
          : `service "${name}" has no image`,
      );
    }
    const capabilities = checkPrivileges(raw, where, options);
    const ignored = Object.keys(raw).filter(
      (key) => IGNORED_KEYS.has(key) && key !== 'container_name' && !key.startsWith('x-'),
    );
    if (ignored.length > 0) options.notes.push(`${where}: ${ignored.join(', ')} left out`);
    const dependsOn = Array.isArray(raw.depends_on)
      ? raw.depends_on.map(String)
      : isObj(raw.depends_on)
        ? Object.keys(raw.depends_on)
        : [];
    const service: ManifestService = {
      name: names.get(name)!,
      image: options.substitute(raw.image, `${where}.image`),
    };
    const command = argvOf(raw.command, `${where}.command`, options);
    const entrypoint = argvOf(raw.entrypoint, `${where}.entrypoint`, options);
    const env = envOf(raw.environment, `${where}.environment`, options);
    const ports = portsOf(raw.ports, `${where}.ports`, options);
    const volumes = volumesOf(raw.volumes, `${where}.volumes`, options);
    const healthcheck = healthcheckOf(raw.healthcheck, `${where}.healthcheck`, options);
    const restart = restartOf(raw.restart, `${where}.restart`, options);
    const labels = labelsOf(raw.labels, `${where}.labels`, options);
    if (command) service.command = command;
    if (entrypoint) service.entrypoint = entrypoint;
    if (Object.keys(env).length > 0) service.env = env;
    if (ports.length > 0) service.ports = ports;
    if (volumes.length > 0) service.volumes = volumes;
    if (healthcheck) service.healthcheck = healthcheck;
    if (restart) service.restart = restart;
    if (dependsOn.length > 0) {
      service.depends_on = dependsOn.map((dependency) => {
        const converted = names.get(dependency);
        if (!converted)
          throw new Unrepresentable(
            `service "${name}" depends on "${dependency}", which does not exist`,
          );
        return converted;
      });
    }
    if (raw.user !== undefined && raw.user !== null && raw.user !== '') {
      service.user = options.substitute(scalar(raw.user, `${where}.user`), `${where}.user`);
    }
    if (capabilities.length > 0) service.capabilities = capabilities;
    if (labels) service.labels = labels;
    if (main !== undefined && name === main) service.main = true;
    services.push(service);
  }
  if (main === undefined && services[0]) services[0].main = true;
  return services;
}
