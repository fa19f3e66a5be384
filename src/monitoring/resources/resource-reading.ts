import {
  cpuPercent,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
  round,
} from '../../daemon/proc-files';
import type { MetricReading } from '../metrics/metric-names';

/** Current use of a server's resources, the same figures whether an agent or SSH read them. */
export interface ResourceFigures {
  cpu_percent: number;
  memory_used_bytes: number;
  memory_total_bytes: number;
  memory_percent: number;
  disk_used_bytes: number;
  disk_total_bytes: number;
  disk_percent: number;
  load_1: number;
  load_5: number;
  load_15: number;
  net_rx_bytes: number;
  net_tx_bytes: number;
}

/**
 * One SSH command reads everything: the aggregate cpu line of /proc/stat twice a quarter of a
 * second apart (CPU use is a rate), then meminfo, loadavg, net/dev and `df` of `/`. Each part
 * follows a marker line, so a missing file shows as a missing part rather than shifted text.
 * Fixed text, no argument: nothing to quote. stderr is dropped so it cannot mix into the parts.
 * POSIX sh; `sleep 0.25` falls back to 1 s where
 * fractions are not understood.
 */
export const RESOURCE_COMMAND = [
  'exec 2>/dev/null',
  'export LC_ALL=C',
  'echo @stat1; head -n 1 /proc/stat',
  '(sleep 0.25 2>/dev/null || sleep 1)',
  'echo @stat2; head -n 1 /proc/stat',
  'echo @meminfo; cat /proc/meminfo',
  'echo @loadavg; cat /proc/loadavg',
  'echo @netdev; cat /proc/net/dev',
  'echo @df; df -P -k / | tail -n 1',
].join('; ');

function sections(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    const marker = /^@(\w+)$/.exec(line.trim());
    if (marker) {
      if (name) parts.set(name, lines.join('\n'));
      name = marker[1];
      lines = [];
    } else if (name) {
      lines.push(line);
    }
  }
  if (name) parts.set(name, lines.join('\n'));
  return parts;
}

function part(parts: Map<string, string>, name: string): string {
  const text = parts.get(name);
  if (text === undefined || text.trim() === '') throw new Error(`no ${name} in the output`);
  return text;
}

/** Reads the output of RESOURCE_COMMAND. Throws (with what was missing) on unusable output. */
export function parseResourceOutput(text: string): ResourceFigures {
  const parts = sections(text);
  const cpu = cpuPercent(parseProcStat(part(parts, 'stat1')), parseProcStat(part(parts, 'stat2')));
  const memory = parseMeminfo(part(parts, 'meminfo'));
  const load = part(parts, 'loadavg').trim().split(/\s+/).slice(0, 3).map(Number);
  const network = parseNetDev(part(parts, 'netdev'));
  // df -P -k: Filesystem 1024-blocks Used Available Capacity Mounted-on
  const df = part(parts, 'df').trim().split(/\s+/);
  const [blocks, usedBlocks, availableBlocks] = df.slice(1, 4).map(Number);
  const figures = [...load, blocks, usedBlocks, availableBlocks];
  if (
    load.length !== 3 ||
    figures.some((value) => value === undefined || !Number.isFinite(value))
  ) {
    throw new Error('unreadable loadavg or df output');
  }
  const memoryUsed = memory.total - memory.available;
  const diskUsed = usedBlocks! * 1024;
  const diskAvailable = availableBlocks! * 1024;
  return {
    cpu_percent: cpu,
    memory_used_bytes: memoryUsed,
    memory_total_bytes: memory.total,
    memory_percent: memory.total > 0 ? round((memoryUsed / memory.total) * 100, 1) : 0,
    disk_used_bytes: diskUsed,
    disk_total_bytes: blocks! * 1024,
    // Like df and the agent: blocks reserved for root count on neither side.
    disk_percent:
      diskUsed + diskAvailable > 0 ? round((diskUsed / (diskUsed + diskAvailable)) * 100, 1) : 0,
    load_1: load[0]!,
    load_5: load[1]!,
    load_15: load[2]!,
    net_rx_bytes: network.rx_bytes,
    net_tx_bytes: network.tx_bytes,
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads an agent's `system.get_metrics` answer (AGENT_PROTOCOL §4). Throws when malformed. */
export function figuresFromAgent(answer: unknown): ResourceFigures {
  const problems: string[] = [];
  const number = (path: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problems.push(path);
    return value as number;
  };
  const root = isObject(answer) ? answer : {};
  const section = (name: string) => (isObject(root[name]) ? root[name] : {});
  const memory = section('memory');
  const disk = section('disk');
  const network = section('network');
  const load = Array.isArray(root.load) ? (root.load as unknown[]) : [];
  const figures: ResourceFigures = {
    cpu_percent: number('cpu', root.cpu),
    memory_used_bytes: number('memory.used', memory.used),
    memory_total_bytes: number('memory.total', memory.total),
    memory_percent: number('memory.percent', memory.percent),
    disk_used_bytes: number('disk.used', disk.used),
    disk_total_bytes: number('disk.total', disk.total),
    disk_percent: number('disk.percent', disk.percent),
    load_1: number('load[0]', load[0]),
    load_5: number('load[1]', load[1]),
    load_15: number('load[2]', load[2]),
    net_rx_bytes: number('network.rx_bytes', network.rx_bytes),
    net_tx_bytes: number('network.tx_bytes', network.tx_bytes),
  };
  if (problems.length > 0) throw new Error(`malformed system.get_metrics: ${problems.join(', ')}`);
  return figures;
}

/** The six stored series of a reading. */
export function readingOf(figures: ResourceFigures): MetricReading {
  return {
    cpu_percent: figures.cpu_percent,
    memory_percent: figures.memory_percent,
    disk_percent: figures.disk_percent,
    load_1: figures.load_1,
    net_rx_bytes: figures.net_rx_bytes,
    net_tx_bytes: figures.net_tx_bytes,
  };
}
