/**
 * The series Tomo keeps for each server (TOOLS.md, `get_metrics`), with the unit each is reported
 * in. `net_*_bytes` are the agent's counters since boot, not rates.
 */
export const METRIC_UNITS = {
  cpu_percent: 'percent',
  memory_percent: 'percent',
  disk_percent: 'percent',
  load_1: 'load',
  net_rx_bytes: 'bytes',
  net_tx_bytes: 'bytes',
} as const;

export type MetricName = keyof typeof METRIC_UNITS;

export const METRIC_NAMES = Object.keys(METRIC_UNITS) as MetricName[];

/** One reading of every series, as one `metrics.update` brings it. */
export type MetricReading = Record<MetricName, number>;
