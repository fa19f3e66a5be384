import { DomainError } from '../../common/errors/domain-error';

/** Most points per series one get_metrics call returns (buckets, or raw samples). */
export const MAX_POINTS = 2000;
/** What the default resolution aims at: a chart's worth of points. */
export const TARGET_POINTS = 500;
export const MIN_RESOLUTION_SECONDS = 10;
export const MAX_RESOLUTION_SECONDS = 30 * 86_400;
/** Steps the default resolution picks from, finest first. */
const LADDER_SECONDS = [60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400];

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const PATTERN = /^(\d{1,7})([smhd]?)$/;

/** A bucket width in seconds, or `raw` (every sample as stored). */
export type Resolution = { kind: 'raw' } | { kind: 'bucket'; seconds: number };

/**
 * Reads `resolution`: `raw`, a duration (`30s`, `5m`, `1h`, `1d`) or plain seconds (`300`),
 * between 10 s and 30 days. Anything else is a 400 saying what is accepted.
 */
export function parseResolution(text: string): Resolution {
  if (text === 'raw') return { kind: 'raw' };
  const match = PATTERN.exec(text);
  const seconds = match ? Number(match[1]) * (UNITS[match[2] || 's'] ?? 1) : Number.NaN;
  if (
    !Number.isSafeInteger(seconds) ||
    seconds < MIN_RESOLUTION_SECONDS ||
    seconds > MAX_RESOLUTION_SECONDS
  ) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `resolution must be "raw", a duration such as 30s, 5m, 1h or 1d, or seconds, between ${MIN_RESOLUTION_SECONDS} s and 30 days; got "${text.slice(0, 32)}".`,
    );
  }
  return { kind: 'bucket', seconds };
}

/** The finest step of the ladder that keeps the span within TARGET_POINTS buckets. */
export function defaultResolution(spanMs: number): Resolution {
  const seconds =
    LADDER_SECONDS.find((step) => Math.ceil(spanMs / (step * 1000)) <= TARGET_POINTS) ??
    LADDER_SECONDS[LADDER_SECONDS.length - 1]!;
  return { kind: 'bucket', seconds };
}

/** `raw`, or the shortest exact spelling of the step: 90 → "90s", 300 → "5m", 86400 → "1d". */
export function formatResolution(resolution: Resolution): string {
  if (resolution.kind === 'raw') return 'raw';
  const { seconds } = resolution;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** Buckets (epoch-aligned) that the range [sinceMs, untilMs] touches. */
export function bucketCount(sinceMs: number, untilMs: number, stepSeconds: number): number {
  const step = stepSeconds * 1000;
  return Math.floor(untilMs / step) - Math.floor(sinceMs / step) + 1;
}
