import { parseBoundPorts } from '../daemon/proc-files';
import { quoteArg } from '../common/shell/shell-quote';
import type { AppManifest } from '../marketplace/manifest/manifest.types';
import type { DeploymentPlan } from './plan/deployment-plan.types';

/** What a server offers, read by one fixed script (the data root is its only, quoted, value). */
export function preflightScript(dataRoot: string): string {
  return [
    `d=${quoteArg(dataRoot)}; while [ ! -d "$d" ]; do d=$(dirname "$d"); done;`,
    `printf 'arch=%s\\n' "$(uname -m)";`,
    `df -Pk "$d" | tail -n 1 | awk '{print "disk_total_kb=" $2; print "disk_free_kb=" $4}';`,
    `awk '/^MemTotal:/{print "mem_total_kb=" $2} /^MemAvailable:/{print "mem_free_kb=" $2}' /proc/meminfo;`,
    'for f in /proc/net/tcp /proc/net/tcp6; do echo "@tcp"; cat "$f" 2>/dev/null; done;',
    'for f in /proc/net/udp /proc/net/udp6; do echo "@udp"; cat "$f" 2>/dev/null; done',
  ].join(' ');
}

export interface HostResources {
  arch: string | null;
  diskFreeKb: number | null;
  diskTotalKb: number | null;
  memFreeKb: number | null;
  memTotalKb: number | null;
  bound: { tcp: Set<number>; udp: Set<number> };
}

export function parseHostResources(output: string): HostResources {
  const values = new Map<string, string>();
  const bound = { tcp: new Set<number>(), udp: new Set<number>() };
  const sections = output.split(/^@(tcp|udp)$/m);
  for (const line of (sections[0] ?? '').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  for (let i = 1; i + 1 < sections.length; i += 2) {
    const protocol = sections[i] as 'tcp' | 'udp';
    const text = (sections[i + 1] ?? '').replace(/^\n/, '');
    for (const port of parseBoundPorts(text, protocol)) bound[protocol].add(port);
  }
  const number = (key: string) => {
    const value = Number(values.get(key));
    return Number.isFinite(value) && values.has(key) ? value : null;
  };
  return {
    arch: values.get('arch') ?? null,
    diskFreeKb: number('disk_free_kb'),
    diskTotalKb: number('disk_total_kb'),
    memFreeKb: number('mem_free_kb'),
    memTotalKb: number('mem_total_kb'),
    bound,
  };
}

/** Host ports Docker publishes (`0.0.0.0:8080->80/tcp`), taken even without a listening process. */
export function parsePublishedPorts(dockerPsPorts: string): Set<string> {
  const taken = new Set<string>();
  for (const match of dockerPsPorts.matchAll(/:(\d+)->\d+\/(tcp|udp)/g)) {
    taken.add(`${match[1]}/${match[2]}`);
  }
  return taken;
}

const DOCKER_ARCH: Record<string, string> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv7l: 'arm',
  armv6l: 'arm',
  i686: '386',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

export interface PreflightReport {
  success: boolean;
  errors: string[];
  warnings: string[];
  docker: { ok: boolean; version: string | null; method: 'agent' | 'ssh' | null };
  architecture: string | null;
  disk: { free_gb: number | null; total_gb: number | null };
  memory: { free_mb: number | null; total_mb: number | null };
  ports: Record<string, 'free' | 'in_use'>;
}

/** Judges a plan against what the server offers: architecture, disk, memory, host ports. */
export function judge(
  manifest: AppManifest,
  plan: DeploymentPlan,
  host: HostResources,
  published: Set<string>,
  docker: PreflightReport['docker'],
): PreflightReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  const architecture = host.arch ? (DOCKER_ARCH[host.arch] ?? host.arch) : null;
  const wanted = manifest.requirements?.architectures;
  if (wanted && wanted.length > 0 && architecture && !wanted.includes(architecture as never)) {
    errors.push(`The app supports ${wanted.join(', ')}; this server is ${architecture}.`);
  }
  const diskMb = manifest.requirements?.disk_mb ?? 0;
  if (host.diskFreeKb !== null && host.diskFreeKb / 1024 < diskMb) {
    errors.push(
      `The app needs ${diskMb} MB of disk; ${Math.floor(host.diskFreeKb / 1024)} MB are free.`,
    );
  }
  const memoryMb = manifest.requirements?.memory_mb ?? 0;
  if (host.memFreeKb !== null && host.memFreeKb / 1024 < memoryMb) {
    warnings.push(
      `The app wants ${memoryMb} MB of memory; ${Math.floor(host.memFreeKb / 1024)} MB are available now.`,
    );
  }
  const ports: PreflightReport['ports'] = {};
  for (const service of plan.services) {
    for (const port of service.ports) {
      if (port.host === null) continue;
      const key = `${port.host}/${port.protocol}`;
      const inUse = host.bound[port.protocol].has(port.host) || published.has(key);
      ports[key] = inUse ? 'in_use' : 'free';
      if (inUse) {
        errors.push(
          `Host port ${key} (${service.name}) is in use; choose another with config.ports["${service.main ? '' : `${service.name}:`}${port.container}/${port.protocol}"].`,
        );
      }
    }
  }
  const gb = (kb: number | null) => (kb === null ? null : Math.round((kb / 1024 / 1024) * 10) / 10);
  const mb = (kb: number | null) => (kb === null ? null : Math.floor(kb / 1024));
  return {
    success: errors.length === 0,
    errors,
    warnings,
    docker,
    architecture,
    disk: { free_gb: gb(host.diskFreeKb), total_gb: gb(host.diskTotalKb) },
    memory: { free_mb: mb(host.memFreeKb), total_mb: mb(host.memTotalKb) },
    ports,
  };
}
