/**
 * Parsers for the /proc files the metrics read. Pure, so they are tested on fixed text; reading
 * /proc directly costs no child process and no dependency, which suits a 30-second timer.
 */

export interface CpuSample {
  idle: number;
  total: number;
}

/** The aggregate `cpu` line of /proc/stat. Guest time is already inside user time. */
export function parseProcStat(text: string): CpuSample {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw new Error('no cpu line in /proc/stat');
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    fields;
  return {
    idle: idle + iowait,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

export function cpuPercent(previous: CpuSample, current: CpuSample): number {
  const total = current.total - previous.total;
  if (total <= 0) return 0;
  const busy = total - (current.idle - previous.idle);
  return round(Math.min(100, Math.max(0, (busy / total) * 100)), 1);
}

export interface MemInfo {
  total: number;
  available: number;
}

/** Bytes; MemAvailable is what the kernel thinks can be had without swapping. */
export function parseMeminfo(text: string): MemInfo {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) kb.set(match[1], Number(match[2]));
  }
  const total = kb.get('MemTotal');
  if (total === undefined) throw new Error('no MemTotal in /proc/meminfo');
  const available =
    kb.get('MemAvailable') ??
    (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return { total: total * 1024, available: available * 1024 };
}

// Loopback, and Docker's own veth pairs and bridges: their traffic is already counted on the
// host's real interfaces, and counting it again would double container traffic.
const SKIPPED_INTERFACES = /^(lo|veth.*|docker\d+|br-[0-9a-f]{12})$/;

export function parseNetDev(text: string): { rx_bytes: number; tx_bytes: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (SKIPPED_INTERFACES.test(name)) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx_bytes: rx, tx_bytes: tx };
}

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

/**
 * Local ports bound in /proc/net/{tcp,tcp6,udp,udp6}: listening TCP sockets, and UDP sockets not
 * connected to a peer (what a UDP server holds).
 */
export function parseBoundPorts(text: string, protocol: 'tcp' | 'udp'): Set<number> {
  const ports = new Set<number>();
  const wanted = protocol === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED;
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    if (local === undefined || state !== wanted) continue;
    const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (Number.isInteger(port)) ports.add(port);
  }
  return ports;
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
