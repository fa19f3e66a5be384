import { posix } from 'node:path';

/**
 * The agent-side policy of AGENT_PROTOCOL.md §4 for `docker.containers.run`, applied whatever the
 * backend asks: a compromised or buggy backend must not be able to turn "run a container" into
 * "own the host". Pure: symlinks are resolved by the caller and passed in as `resolvedSource`.
 */

export interface PolicyMount {
  /** Absolute host path or named volume, as requested. */
  source: string;
  /** The host path with symlinks resolved, when the caller could resolve it. */
  resolvedSource?: string;
  readOnly: boolean;
}

export interface PolicyRequest {
  privileged?: boolean;
  capAdd?: readonly string[];
  pidMode?: string;
  ipcMode?: string;
  utsMode?: string;
  usernsMode?: string;
  devices?: readonly unknown[];
  network?: string;
  mounts?: readonly PolicyMount[];
}

export interface PolicyContext {
  allowHostNetwork: boolean;
  /** Every path the Docker socket is known by (the configured one, its real path, …). */
  dockerSocketPaths: readonly string[];
}

export type PolicyRule =
  | 'privileged'
  | 'capabilities'
  | 'host-namespaces'
  | 'devices'
  | 'docker-socket'
  | 'system-paths'
  | 'host-network'
  | 'mount-source';

export interface PolicyViolation {
  rule: PolicyRule;
  message: string;
}

export const FORBIDDEN_CAPABILITIES: readonly string[] = [
  'ALL',
  'SYS_ADMIN',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_MODULE',
];

/** Read-write mounts of these, or of anything below them (except `/`, see below), are refused. */
export const PROTECTED_PATHS: readonly string[] = [
  '/etc',
  '/var',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/root',
  '/home',
  '/boot',
  '/proc',
  '/sys',
  '/dev',
];

/** Sockets refused whatever the configured path: the usual homes of the Docker socket. */
export const WELL_KNOWN_DOCKER_SOCKETS: readonly string[] = [
  '/var/run/docker.sock',
  '/run/docker.sock',
];

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * `/etc/../etc/`, `//etc` and `/etc/.` all become `/etc`. Returns null for anything that is not
 * an absolute path, so a caller cannot mistake a relative path for a safe one.
 */
export function normalizeHostPath(path: string): string | null {
  if (!path.startsWith('/') || path.includes('\0')) return null;
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

export function isVolumeName(source: string): boolean {
  return VOLUME_NAME.test(source);
}

/** True when `path` is `base` or lies below it; both normalised. */
export function isAtOrBelow(path: string, base: string): boolean {
  if (base === '/') return true;
  return path === base || path.startsWith(`${base}/`);
}

export function normalizeCapability(cap: string): string {
  return cap.trim().toUpperCase().replace(/^CAP_/, '');
}

function isHostMode(mode: string | undefined): boolean {
  return mode !== undefined && mode.trim().toLowerCase() === 'host';
}

function checkMount(mount: PolicyMount, ctx: PolicyContext): PolicyViolation[] {
  if (!mount.source.startsWith('/')) {
    return isVolumeName(mount.source)
      ? []
      : [
          {
            rule: 'mount-source',
            message: `mount source "${mount.source}" must be an absolute host path or a volume name (agent policy: mount source)`,
          },
        ];
  }
  const paths = [mount.source, mount.resolvedSource]
    .filter((p): p is string => p !== undefined)
    .map(normalizeHostPath);
  if (paths.some((p) => p === null)) {
    return [
      {
        rule: 'mount-source',
        message: `mount source "${mount.source}" is not a valid absolute path (agent policy: mount source)`,
      },
    ];
  }
  const hostPaths = paths as string[];
  const violations: PolicyViolation[] = [];
  const sockets = [...ctx.dockerSocketPaths, ...WELL_KNOWN_DOCKER_SOCKETS]
    .map(normalizeHostPath)
    .filter((p): p is string => p !== null);
  // A directory that contains the socket exposes it as much as the socket itself, read-only or
  // not: connecting to a Unix socket needs no write access to the mount.
  const exposesSocket = hostPaths.some(
    (p) => posix.basename(p) === 'docker.sock' || sockets.some((s) => isAtOrBelow(s, p)),
  );
  if (exposesSocket) {
    violations.push({
      rule: 'docker-socket',
      message: `mounting the Docker socket is not allowed, nor a directory containing it: ${mount.source} (agent policy: docker socket)`,
    });
  }
  if (!mount.readOnly) {
    // `/` is protected as itself only: "anything below /" would be every path, which would
    // forbid all read-write bind mounts rather than the system ones.
    const hit = hostPaths.find(
      (p) => p === '/' || PROTECTED_PATHS.some((base) => isAtOrBelow(p, base)),
    );
    if (hit !== undefined) {
      violations.push({
        rule: 'system-paths',
        message: `read-write mount of ${mount.source}${hit === mount.source ? '' : ` (${hit})`} is not allowed; system paths may only be mounted read-only (agent policy: system paths)`,
      });
    }
  }
  return violations;
}

/** Every rule the request breaks; empty when it may run. */
export function checkContainerPolicy(req: PolicyRequest, ctx: PolicyContext): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  if (req.privileged === true) {
    violations.push({
      rule: 'privileged',
      message: 'privileged containers are not allowed (agent policy: privileged)',
    });
  }
  for (const cap of req.capAdd ?? []) {
    const name = normalizeCapability(cap);
    if (FORBIDDEN_CAPABILITIES.includes(name)) {
      violations.push({
        rule: 'capabilities',
        message: `capability ${name} is not allowed (agent policy: capabilities)`,
      });
    }
  }
  const namespaces: [string, string | undefined][] = [
    ['PID', req.pidMode],
    ['IPC', req.ipcMode],
    ['UTS', req.utsMode],
    ['user', req.usernsMode],
  ];
  for (const [name, mode] of namespaces) {
    if (isHostMode(mode)) {
      violations.push({
        rule: 'host-namespaces',
        message: `the host ${name} namespace is not allowed (agent policy: host namespaces)`,
      });
    }
  }
  if ((req.devices ?? []).length > 0) {
    violations.push({
      rule: 'devices',
      message: 'device mappings are not allowed (agent policy: devices)',
    });
  }
  if (isHostMode(req.network) && !ctx.allowHostNetwork) {
    violations.push({
      rule: 'host-network',
      message:
        'network "host" is not allowed unless the agent runs with --allow-host-network (agent policy: host network)',
    });
  }
  for (const mount of req.mounts ?? []) violations.push(...checkMount(mount, ctx));
  return violations;
}

/** One message naming every broken rule, for the -32001 answer. */
export function describeViolations(violations: readonly PolicyViolation[]): string {
  return `Blocked by agent policy: ${violations.map((v) => v.message).join('; ')}`;
}
