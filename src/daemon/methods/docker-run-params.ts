import { posix } from 'node:path';
import type Docker from 'dockerode';
import { isVolumeName, normalizeHostPath } from '../container-policy';
import { isPlainObject, type Params } from '../protocol';
import {
  invalidParams,
  optionalString,
  optionalStringArray,
  optionalStringMap,
  requiredString,
} from './params';

// `docker.containers.run`: from protocol params to Docker's create options, validated (-32602).
// The policy is applied to the result by docker-run.ts, never here.

export interface RunMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** `docker.containers.run` params, validated, before the policy and before Docker. */
export interface RunSpec {
  image: string;
  name?: string;
  ports: { hostIp?: string; hostPort: string; containerPort: string }[];
  env: string[];
  mounts: RunMount[];
  network?: string;
  restartPolicy?: { Name: string; MaximumRetryCount?: number };
  labels: Record<string, string>;
  command: string[];
  healthcheck?: Docker.HealthConfig;
  /** Tomo extensions (the backend checks they were applied): aliases on `network`, user, entrypoint. */
  networkAliases: string[];
  user?: string;
  entrypoint?: string[];
  privileged: boolean;
  capAdd: string[];
  pidMode?: string;
  ipcMode?: string;
  utsMode?: string;
  usernsMode?: string;
  devices: unknown[];
}

// A "/<proto>" suffix on the key (Tomo's extension) lets one host port be published for tcp and udp.
const HOST_PORT =
  /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d{1,5})(?:\/(?:tcp|udp|sctp))?$/;
const CONTAINER_PORT = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/;

function validPort(text: string): boolean {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65_535;
}

function parsePorts(params: Params): RunSpec['ports'] {
  const value = params.ports;
  if (value === undefined || value === null) return [];
  if (!isPlainObject(value)) {
    throw invalidParams('"ports" must be an object {"<host port>": "<container port>/<proto>"}');
  }
  return Object.entries(value).map(([host, container]) => {
    const hostMatch = HOST_PORT.exec(host);
    const containerMatch = CONTAINER_PORT.exec(String(container));
    if (hostMatch?.[2] === undefined || !validPort(hostMatch[2])) {
      throw invalidParams(`"ports" key "${host}" must be a host port (1-65535)`);
    }
    if (
      (typeof container !== 'string' && typeof container !== 'number') ||
      containerMatch?.[1] === undefined ||
      !validPort(containerMatch[1])
    ) {
      throw invalidParams(`"ports.${host}" must be "<container port>/<tcp|udp|sctp>"`);
    }
    return {
      ...(hostMatch[1] === undefined ? {} : { hostIp: hostMatch[1].replace(/^\[|\]$/g, '') }),
      hostPort: hostMatch[2],
      containerPort: `${containerMatch[1]}/${containerMatch[2] ?? 'tcp'}`,
    };
  });
}

function parseVolumes(params: Params): RunMount[] {
  const value = params.volumes;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParams('"volumes" must be an array');
  return value.map((item: unknown, index) => {
    if (!isPlainObject(item)) throw invalidParams(`"volumes[${index}]" must be an object`);
    const { host, container, mode } = item;
    if (typeof host !== 'string' || host === '') {
      throw invalidParams(`"volumes[${index}].host" must be a path or volume name`);
    }
    if (typeof container !== 'string' || !container.startsWith('/')) {
      throw invalidParams(`"volumes[${index}].container" must be an absolute path`);
    }
    if (mode !== undefined && mode !== 'rw' && mode !== 'ro') {
      throw invalidParams(`"volumes[${index}].mode" must be "rw" or "ro"`);
    }
    // A colon would let one field spill into the next part of Docker's "src:dst:mode" bind syntax.
    if (host.includes(':') || container.includes(':') || container.includes('\0')) {
      throw invalidParams(`"volumes[${index}]" paths must not contain ":"`);
    }
    let source: string;
    if (host.startsWith('/')) {
      const normalized = normalizeHostPath(host);
      if (normalized === null) throw invalidParams(`"volumes[${index}].host" is not a valid path`);
      source = normalized;
    } else if (isVolumeName(host)) {
      source = host;
    } else {
      throw invalidParams(
        `"volumes[${index}].host" must be an absolute path or a volume name (relative paths are ambiguous)`,
      );
    }
    return { source, target: posix.normalize(container), readOnly: mode === 'ro' };
  });
}

function parseRestartPolicy(params: Params): RunSpec['restartPolicy'] {
  const value = optionalString(params, 'restart_policy');
  if (value === undefined) return undefined;
  if (value === 'no' || value === 'always' || value === 'unless-stopped') return { Name: value };
  const match = /^on-failure(?::(\d+))?$/.exec(value);
  if (match === null) {
    throw invalidParams(
      '"restart_policy" must be "no", "always", "unless-stopped" or "on-failure[:n]"',
    );
  }
  return match[1] === undefined
    ? { Name: 'on-failure' }
    : { Name: 'on-failure', MaximumRetryCount: Number(match[1]) };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const NS_PER: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Seconds as a number, or a Go-style duration string ("30s", "1m"), in nanoseconds. */
function durationNs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return Math.round(value * 1e9);
  }
  if (typeof value === 'string') {
    const match = DURATION.exec(value.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) {
      return Math.round(Number(match[1]) * (NS_PER[match[2]] ?? 1e9));
    }
  }
  throw invalidParams(`"healthcheck.${field}" must be seconds or a duration like "30s"`);
}

function parseHealthcheck(params: Params): Docker.HealthConfig | undefined {
  const value = params.healthcheck;
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw invalidParams('"healthcheck" must be an object');
  let test: string[];
  if (typeof value.test === 'string') test = ['CMD-SHELL', value.test];
  else if (Array.isArray(value.test) && value.test.every((t) => typeof t === 'string')) {
    const parts = value.test;
    test = ['NONE', 'CMD', 'CMD-SHELL'].includes(parts[0] ?? '') ? parts : ['CMD', ...parts];
  } else throw invalidParams('"healthcheck.test" must be a string or an array of strings');
  const retries = value.retries;
  if (
    retries !== undefined &&
    (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0)
  ) {
    throw invalidParams('"healthcheck.retries" must be a non-negative integer');
  }
  const config: Docker.HealthConfig = { Test: test };
  const interval = durationNs(value.interval, 'interval');
  const timeout = durationNs(value.timeout, 'timeout');
  const startPeriod = durationNs(value.start_period, 'start_period');
  if (interval !== undefined) config.Interval = interval;
  if (timeout !== undefined) config.Timeout = timeout;
  if (startPeriod !== undefined) config.StartPeriod = startPeriod;
  if (retries !== undefined) config.Retries = retries;
  return config;
}

export function parseRunParams(params: Params): RunSpec {
  const env = Object.entries(optionalStringMap(params, 'env')).map(([key, value]) => {
    if (key === '' || key.includes('=')) throw invalidParams(`"env" key "${key}" is not a name`);
    return `${key}=${value}`;
  });
  const devices = params.devices;
  if (devices !== undefined && devices !== null && !Array.isArray(devices)) {
    throw invalidParams('"devices" must be an array');
  }
  const privileged = params.privileged;
  if (privileged !== undefined && privileged !== null && typeof privileged !== 'boolean') {
    throw invalidParams('"privileged" must be a boolean');
  }
  const spec: RunSpec = {
    image: requiredString(params, 'image'),
    ports: parsePorts(params),
    env,
    mounts: parseVolumes(params),
    labels: optionalStringMap(params, 'labels'),
    command: optionalStringArray(params, 'command'),
    networkAliases: optionalStringArray(params, 'network_aliases'),
    privileged: privileged === true,
    capAdd: optionalStringArray(params, 'cap_add'),
    devices: (devices as unknown[] | undefined | null) ?? [],
  };
  const optional: [keyof RunSpec, string][] = [
    ['name', 'name'],
    ['network', 'network'],
    ['user', 'user'],
    ['pidMode', 'pid_mode'],
    ['ipcMode', 'ipc_mode'],
    ['utsMode', 'uts_mode'],
    ['usernsMode', 'userns_mode'],
  ];
  for (const [key, param] of optional) {
    const value = optionalString(params, param);
    if (value !== undefined && value !== '') Object.assign(spec, { [key]: value });
  }
  const entrypoint = optionalStringArray(params, 'entrypoint');
  if (entrypoint.length > 0) spec.entrypoint = entrypoint;
  if (spec.networkAliases.length > 0 && spec.network === undefined) {
    throw invalidParams('"network_aliases" needs "network"');
  }
  const restartPolicy = parseRestartPolicy(params);
  if (restartPolicy !== undefined) spec.restartPolicy = restartPolicy;
  const healthcheck = parseHealthcheck(params);
  if (healthcheck !== undefined) spec.healthcheck = healthcheck;
  return spec;
}

export function createOptions(spec: RunSpec): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp?: string; HostPort: string }[]> = {};
  for (const port of spec.ports) {
    exposed[port.containerPort] = {};
    (bindings[port.containerPort] ??= []).push({
      ...(port.hostIp === undefined ? {} : { HostIp: port.hostIp }),
      HostPort: port.hostPort,
    });
  }
  const hostConfig: Docker.HostConfig = {
    Binds: spec.mounts.map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`),
    PortBindings: bindings,
    Privileged: false,
  };
  if (spec.capAdd.length > 0) hostConfig.CapAdd = spec.capAdd;
  if (spec.network !== undefined) hostConfig.NetworkMode = spec.network;
  if (spec.restartPolicy !== undefined) hostConfig.RestartPolicy = spec.restartPolicy;
  if (spec.pidMode !== undefined) hostConfig.PidMode = spec.pidMode;
  if (spec.ipcMode !== undefined) hostConfig.IpcMode = spec.ipcMode;
  if (spec.utsMode !== undefined) hostConfig.UTSMode = spec.utsMode;
  if (spec.usernsMode !== undefined) hostConfig.UsernsMode = spec.usernsMode;
  const options: Docker.ContainerCreateOptions = {
    Image: spec.image,
    Env: spec.env,
    Labels: spec.labels,
    ExposedPorts: exposed,
    HostConfig: hostConfig,
  };
  if (spec.name !== undefined) options.name = spec.name;
  if (spec.command.length > 0) options.Cmd = spec.command;
  if (spec.entrypoint !== undefined) options.Entrypoint = spec.entrypoint;
  if (spec.user !== undefined) options.User = spec.user;
  if (spec.network !== undefined && spec.networkAliases.length > 0) {
    options.NetworkingConfig = {
      EndpointsConfig: { [spec.network]: { Aliases: spec.networkAliases } },
    };
  }
  if (spec.healthcheck !== undefined) options.Healthcheck = spec.healthcheck;
  return options;
}
