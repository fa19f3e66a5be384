import { promises as fs } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import {
  cpuPercent,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
  round,
  type CpuSample,
} from './proc-files';

/** The `system.get_metrics` result, also the `metrics.update` params (AGENT_PROTOCOL.md §4, §5). */
export interface Metrics {
  cpu: number;
  memory: { used: number; total: number; percent: number };
  disk: { used: number; total: number; percent: number };
  load: [number, number, number];
  network: { rx_bytes: number; tx_bytes: number };
  containers: { running: number; stopped: number };
}

export interface DiskUsage {
  total: number;
  used: number;
  free: number;
  percent: number;
}

/** Like df: "used" excludes the root-reserved blocks from both sides of the percentage. */
export async function diskUsage(path: string): Promise<DiskUsage> {
  const s = await fs.statfs(path);
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const free = s.bavail * s.bsize;
  const percent = used + free > 0 ? round((used / (used + free)) * 100, 1) : 0;
  return { total, used, free, percent };
}

export async function readMemory(): Promise<{ total: number; available: number }> {
  return parseMeminfo(await fs.readFile('/proc/meminfo', 'utf8'));
}

export async function countContainers(
  docker: Docker,
): Promise<{ running: number; stopped: number }> {
  const list = await docker.listContainers({ all: true });
  const running = list.filter((c) => c.State === 'running').length;
  return { running, stopped: list.length - running };
}

/**
 * CPU use is a rate, so it needs two samples: the collector keeps the previous one and reports
 * the average since then (the metrics interval). The first call samples twice, 250 ms apart.
 */
export class MetricsCollector {
  private previousCpu: CpuSample | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly diskPath = '/',
  ) {}

  async collect(): Promise<Metrics> {
    const [cpu, memory, disk, network, containers] = await Promise.all([
      this.cpu(),
      readMemory(),
      diskUsage(this.diskPath),
      fs.readFile('/proc/net/dev', 'utf8').then(parseNetDev),
      // Metrics still flow when Docker is down; zero containers is the honest count we can see.
      countContainers(this.docker).catch(() => ({ running: 0, stopped: 0 })),
    ]);
    const used = memory.total - memory.available;
    const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
    return {
      cpu,
      memory: {
        used,
        total: memory.total,
        percent: memory.total > 0 ? round((used / memory.total) * 100, 1) : 0,
      },
      disk: { used: disk.used, total: disk.total, percent: disk.percent },
      load: [round(l1, 2), round(l5, 2), round(l15, 2)],
      network,
      containers,
    };
  }

  private async cpu(): Promise<number> {
    const read = async () => parseProcStat(await fs.readFile('/proc/stat', 'utf8'));
    let previous = this.previousCpu;
    if (previous === undefined) {
      previous = await read();
      await sleep(250);
    }
    const current = await read();
    this.previousCpu = current;
    return cpuPercent(previous, current);
  }
}
