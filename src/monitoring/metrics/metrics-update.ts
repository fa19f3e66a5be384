import type { MetricReading } from './metric-names';

export type MetricsUpdateParse =
  { ok: true; reading: MetricReading } | { ok: false; problems: string[] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the `metrics.update` params (the `system.get_metrics` result of AGENT_PROTOCOL §4) into
 * one reading of every series. All or nothing: a sample with a missing, non-numeric, non-finite
 * (JSON's `1e400` parses to Infinity) or out-of-range value is refused whole, every problem
 * named. Unknown extra fields are ignored, as the protocol asks.
 */
export function parseMetricsUpdate(params: Record<string, unknown>): MetricsUpdateParse {
  const problems: string[] = [];
  const number = (path: string, value: unknown, max = Number.MAX_VALUE): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${path} is not a finite number`);
    } else if (value < 0 || value > max) {
      problems.push(`${path} is out of range`);
    }
    return value as number;
  };
  const member = (name: string, key: string): unknown => {
    const section = params[name];
    return isObject(section) ? section[key] : undefined;
  };
  const load = params.load;
  const reading: MetricReading = {
    cpu_percent: number('cpu', params.cpu, 100),
    memory_percent: number('memory.percent', member('memory', 'percent'), 100),
    disk_percent: number('disk.percent', member('disk', 'percent'), 100),
    load_1: number('load[0]', Array.isArray(load) ? (load as unknown[])[0] : undefined),
    net_rx_bytes: number('network.rx_bytes', member('network', 'rx_bytes')),
    net_tx_bytes: number('network.tx_bytes', member('network', 'tx_bytes')),
  };
  return problems.length === 0 ? { ok: true, reading } : { ok: false, problems };
}
