import { promises as fs } from 'node:fs';
import { cpus, hostname, machine, release, totalmem, type as osType } from 'node:os';
import type Docker from 'dockerode';
import { diskUsage, readMemory, type MetricsCollector } from '../metrics';
import { parseBoundPorts, round } from '../proc-files';
import type { Params } from '../protocol';
import type { MethodHandler } from '../rpc-server';
import { dockerCall, dockerErrorMessage } from './docker-client';
import { invalidParams, optionalNumber } from './params';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** Docker's answer is only decoration for info and preflight: do not wait long for it. */
const DOCKER_PROBE_MS = 5_000;

export async function osPrettyName(): Promise<string> {
  try {
    const text = await fs.readFile('/etc/os-release', 'utf8');
    const match = /^PRETTY_NAME=(?:"([^"]*)"|(.*))$/m.exec(text);
    const name = match?.[1] ?? match?.[2];
    if (name) return name;
  } catch {
    // fall through
  }
  return osType();
}

type PortKey = `${number}/${'tcp' | 'udp'}`;

export function parsePortList(params: Params): { port: number; protocol: 'tcp' | 'udp' }[] {
  const value = params.ports;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParams('"ports" must be an array of ports');
  return value.map((item: unknown) => {
    const match = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(String(item));
    const port = Number(match?.[1]);
    if (
      (typeof item !== 'number' && typeof item !== 'string') ||
      match === null ||
      port < 1 ||
      port > 65_535
    ) {
      throw invalidParams(
        `"ports" item ${JSON.stringify(item)} must be a port like 8080 or "53/udp"`,
      );
    }
    return { port, protocol: (match[2] ?? 'tcp') as 'tcp' | 'udp' };
  });
}

async function boundPorts(protocol: 'tcp' | 'udp'): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const file of [`/proc/net/${protocol}`, `/proc/net/${protocol}6`]) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const port of parseBoundPorts(text, protocol)) ports.add(port);
  }
  return ports;
}

/** Ports Docker publishes without a listening process (userland proxy off) are taken too. */
async function dockerPublishedPorts(docker: Docker): Promise<Set<string>> {
  const taken = new Set<string>();
  const containers = await docker.listContainers().catch(() => []);
  for (const c of containers) {
    for (const p of c.Ports ?? []) {
      if (p.PublicPort) taken.add(`${p.PublicPort}/${p.Type}`);
    }
  }
  return taken;
}

export function systemMethods(
  docker: Docker,
  metrics: MetricsCollector,
): Record<string, MethodHandler> {
  return {
    'system.info': async () => {
      const dockerVersion = await dockerCall(() => docker.version(), DOCKER_PROBE_MS)
        .then((v) => v.Version)
        .catch(() => null);
      return {
        os: await osPrettyName(),
        kernel: release(),
        arch: machine(),
        hostname: hostname(),
        docker_version: dockerVersion,
        cpu_count: cpus().length,
        memory_total: totalmem(),
      };
    },

    'system.get_metrics': () => metrics.collect(),

    'system.preflight_check': async (params) => {
      const minDiskGb = optionalNumber(params, 'min_disk_gb', 3, { min: 0, max: 1_000_000 });
      const minMemoryMb = optionalNumber(params, 'min_memory_mb', 256, { min: 0, max: 1e9 });
      const wanted = parsePortList(params);
      const errors: string[] = [];
      const warnings: string[] = [];

      let dockerInfo: { ok: boolean; version: string | null } = { ok: false, version: null };
      let dataRoot = '/';
      try {
        const info = (await dockerCall(() => docker.info(), DOCKER_PROBE_MS)) as {
          ServerVersion?: string;
          DockerRootDir?: string;
        };
        dockerInfo = { ok: true, version: info.ServerVersion ?? null };
        if (info.DockerRootDir) dataRoot = info.DockerRootDir;
      } catch (err) {
        errors.push(`Docker is not reachable: ${dockerErrorMessage(err)}`);
      }

      // Images and volumes land in Docker's data root, so that is the disk that must have room.
      const disk = await diskUsage(dataRoot).catch(() => diskUsage('/'));
      const freeGb = round(disk.free / GIB, 2);
      if (freeGb < minDiskGb) {
        errors.push(
          `Not enough disk space: ${freeGb} GB free on ${dataRoot}, ${minDiskGb} GB required`,
        );
      } else if (freeGb < minDiskGb * 2) {
        warnings.push(`Disk space is low: ${freeGb} GB free on ${dataRoot}`);
      }

      const memory = await readMemory();
      const freeMb = Math.floor(memory.available / MIB);
      if (freeMb < minMemoryMb) {
        errors.push(`Not enough memory: ${freeMb} MB available, ${minMemoryMb} MB required`);
      } else if (freeMb < minMemoryMb * 2) {
        warnings.push(`Memory is low: ${freeMb} MB available`);
      }

      const ports: Record<PortKey, 'free' | 'in_use'> = {};
      if (wanted.length > 0) {
        const [tcp, udp, published] = await Promise.all([
          boundPorts('tcp'),
          boundPorts('udp'),
          dockerPublishedPorts(docker),
        ]);
        for (const { port, protocol } of wanted) {
          const key: PortKey = `${port}/${protocol}`;
          const inUse = (protocol === 'tcp' ? tcp : udp).has(port) || published.has(key);
          ports[key] = inUse ? 'in_use' : 'free';
          if (inUse) errors.push(`Port ${key} is in use`);
        }
      }

      return {
        success: errors.length === 0,
        errors,
        warnings,
        docker: dockerInfo,
        disk: { free_gb: freeGb, total_gb: round(disk.total / GIB, 2) },
        memory: { free_mb: freeMb, total_mb: Math.floor(memory.total / MIB) },
        ports,
      };
    },
  };
}
